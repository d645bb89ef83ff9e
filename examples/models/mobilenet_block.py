# A MobileNet (v1) depthwise-separable block: input 32x112x112.
# A 3x3 depthwise convolution (groups = channels), then a 1x1 pointwise one.
Conv2d(32, 32, 3, padding=1, groups=32, bias=False)
BatchNorm2d(32)
ReLU()
Conv2d(32, 64, 1, bias=False)
BatchNorm2d(64)
ReLU()
