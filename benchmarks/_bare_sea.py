"""A bare-torch SeA training loop: the reference for the estimator's overhead.

The same maths as :func:`skaug.methods.sea.sea_loss` written inline the way a
paper's script would: a tensor, a permutation per epoch, SGD with momentum.
"""

import torch
import torch.nn.functional as F


def bare_sea_fit(X, y, n_classes, *, eta, alpha, temperature, margin, lr, momentum,
                 weight_decay, batch_size, max_epochs, seed, device="cpu"):
    torch.manual_seed(seed)
    X = torch.as_tensor(X, dtype=torch.float32, device=device)
    X = X / X.norm(dim=1, keepdim=True).clamp_min(1e-12)
    y = torch.as_tensor(y, dtype=torch.long, device=device)
    head = torch.nn.Linear(X.shape[1], n_classes, bias=False, device=device)
    opt = torch.optim.SGD(head.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    n = len(X)
    losses = []
    for _ in range(max_epochs):
        perm = torch.randperm(n, generator=gen).to(device)
        total = 0.0
        for s in range(0, n, batch_size):
            idx = perm[s:s + batch_size]
            xb, yb = X[idx], y[idx]
            with torch.no_grad():
                W = head.weight
                z = xb @ W.T
                zm = (z + margin * (1 - F.one_hot(yb, n_classes))) / temperature
                p = torch.softmax(zm, 1)
                g = (p - F.one_hot(yb, n_classes)) @ W
                g = g / g.norm(dim=1, keepdim=True).clamp_min(1e-12)
                s_ = g @ xb.T
                s_.fill_diagonal_(float("-inf"))
                gh = torch.softmax(s_ / alpha, 1) @ xb
                xa = xb + eta * gh / gh.norm(dim=1, keepdim=True).clamp_min(1e-12)
                xa = xa / xa.norm(dim=1, keepdim=True).clamp_min(1e-12)
            za = head(xa)
            zam = (za + margin * (1 - F.one_hot(yb, n_classes))) / temperature
            loss = temperature * F.cross_entropy(zam, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        losses.append(total)
    return head, losses
