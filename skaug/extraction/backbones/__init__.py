"""Backbone architectures written in skaug (no torchvision needed)."""

from .cifar_resnet import cifar_resnet

__all__ = ["cifar_resnet"]
