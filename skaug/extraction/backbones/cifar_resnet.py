"""The CIFAR ResNets of He et al. (2016), §4.2: 3 stages of 16/32/64 channels.

Depth ``6n + 2`` (20, 32, 44, 56), 3×3 basic blocks, option-A shortcuts
(stride-2 subsampling and zero-padding of the new channels, no parameters),
global average pooling to a 64-d feature, then a linear layer. The parameter
names match the public checkpoints of the BSD-2-Clause repository
akamaster/pytorch_resnet_cifar10 (after removing their ``module.`` prefix).
"""

import torch.nn.functional as F
from torch import nn

DEPTHS = (20, 32, 44, 56)


class PadShortcut(nn.Module):
    """Option-A shortcut: subsample by 2 and zero-pad ``planes // 4`` channels each side."""

    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = PadShortcut(planes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """CIFAR ResNet; ``forward`` gives logits, ``features`` the 64-d pooled feature."""

    def __init__(self, depth=56, num_classes=10):
        super().__init__()
        if depth not in DEPTHS:
            raise ValueError(f"CIFAR ResNet depth must be one of {DEPTHS}, got {depth}.")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        planes_in = 16
        stages = []
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for s in [stride] + [1] * (n - 1):
                blocks.append(BasicBlock(planes_in, planes, s))
                planes_in = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.linear = nn.Linear(64, num_classes)

    def features(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        return F.adaptive_avg_pool2d(out, 1).flatten(1)

    def forward(self, x):
        return self.linear(self.features(x))


def cifar_resnet(depth=56, num_classes=10):
    """A CIFAR ResNet of the given depth (20, 32, 44 or 56), randomly initialised."""
    return CifarResNet(depth, num_classes)
