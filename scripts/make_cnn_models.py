#!/usr/bin/env python3
"""Two CNNs outside ../shared/models, for checking and timing qcc on convolutional nets.

Writes, under OUT (default /tmp/qcc-cnn-models), one folder per model in the
layout of the shared models (model.onnx, calib/<input>.npy, eval/<input>.npy,
samples stacked on axis 0):

- mobilenet: MobileNetV2-style (inverted residuals, depthwise 3x3 convs,
  ReLU6), 224x224, 1000 classes;
- resnet: ResNet-18-style (7x7 stem, MaxPool, basic blocks), 224x224, 1000
  classes.

Weights are random (torch.manual_seed(0)); BatchNorm runs in eval mode with
non-trivial statistics, so that folding it matters. Inputs are N(0, 1): 16
calibration and 4 held-out samples of [1, 3, 224, 224]. Needs torch (not in
scripts/requirements.txt: it is large and nothing in `make test` uses this).

Usage: scripts/make_cnn_models.py [--out DIR]
       scripts/bench_codegen.py --models DIR mobilenet resnet
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn


def conv_bn(i, o, k=3, s=1, g=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, k // 2, groups=g, bias=False), nn.BatchNorm2d(o)]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, i, o, s, t):
        super().__init__()
        h = i * t
        self.residual = s == 1 and i == o
        self.body = nn.Sequential(conv_bn(i, h, 1), conv_bn(h, h, 3, s, g=h), conv_bn(h, o, 1, act=False))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNet(nn.Module):
    def __init__(self):
        super().__init__()
        # (expansion, out channels, repeats, first stride), as MobileNetV2.
        cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
        layers, c = [conv_bn(3, 32, 3, 2)], 32
        for t, o, n, s in cfg:
            for r in range(n):
                layers.append(InvertedResidual(c, o, s if r == 0 else 1, t))
                c = o
        layers.append(conv_bn(c, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(1280, 1000)

    def forward(self, x):
        return self.head(self.features(x).mean((2, 3)))


class BasicBlock(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.a = conv_bn(i, o, 3, s)
        self.b = conv_bn(o, o, 3, 1, act=False)
        self.down = conv_bn(i, o, 1, s, act=False) if s != 1 or i != o else None
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.b(self.a(x)) + (self.down(x) if self.down is not None else x))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        layers, c = [], 64
        for o, s in [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1)]:
            layers.append(BasicBlock(c, o, s))
            c = o
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.layers(self.stem(x)), 1), 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/qcc-cnn-models", help="folder to write the models into")
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    for name, net in [("mobilenet", MobileNet()), ("resnet", ResNet())]:
        net.eval()
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        d = os.path.join(args.out, name)
        os.makedirs(os.path.join(d, "calib"), exist_ok=True)
        os.makedirs(os.path.join(d, "eval"), exist_ok=True)
        torch.onnx.export(net, torch.randn(1, 3, 224, 224), os.path.join(d, "model.onnx"), input_names=["pixel_values"],
                          output_names=["logits"], opset_version=17, dynamo=False)
        for split, count in [("calib", 16), ("eval", 4)]:
            x = rng.standard_normal((count, 1, 3, 224, 224)).astype(np.float32)
            np.save(os.path.join(d, split, "pixel_values.npy"), x)
        print(f"{name}: {d}")


if __name__ == "__main__":
    main()
