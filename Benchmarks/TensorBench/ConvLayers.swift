/// The thirteen 3x3 'same' convolutions of VGG16 at 224x224, batch 1.
struct ConvLayer {
    let name: String
    let size: Int
    let inputChannels: Int
    let outputChannels: Int

    var gemmShape: (m: Int, n: Int, k: Int) { (size * size, outputChannels, 9 * inputChannels) }
    var flops: Double { 2 * Double(gemmShape.m) * Double(gemmShape.n) * Double(gemmShape.k) }
}

let vgg16Convolutions: [ConvLayer] = [
    ConvLayer(name: "block1_conv1", size: 224, inputChannels: 3, outputChannels: 64),
    ConvLayer(name: "block1_conv2", size: 224, inputChannels: 64, outputChannels: 64),
    ConvLayer(name: "block2_conv1", size: 112, inputChannels: 64, outputChannels: 128),
    ConvLayer(name: "block2_conv2", size: 112, inputChannels: 128, outputChannels: 128),
    ConvLayer(name: "block3_conv1", size: 56, inputChannels: 128, outputChannels: 256),
    ConvLayer(name: "block3_conv2", size: 56, inputChannels: 256, outputChannels: 256),
    ConvLayer(name: "block3_conv3", size: 56, inputChannels: 256, outputChannels: 256),
    ConvLayer(name: "block4_conv1", size: 28, inputChannels: 256, outputChannels: 512),
    ConvLayer(name: "block4_conv2", size: 28, inputChannels: 512, outputChannels: 512),
    ConvLayer(name: "block4_conv3", size: 28, inputChannels: 512, outputChannels: 512),
    ConvLayer(name: "block5_conv1", size: 14, inputChannels: 512, outputChannels: 512),
    ConvLayer(name: "block5_conv2", size: 14, inputChannels: 512, outputChannels: 512),
    ConvLayer(name: "block5_conv3", size: 14, inputChannels: 512, outputChannels: 512),
]

/// The 3x3 convolution of each ResNet50 stage (every block of a stage has the same one) at 224x224, batch 1.
let resnet50SpatialConvolutions: [ConvLayer] = [
    ConvLayer(name: "conv2 3x3", size: 56, inputChannels: 64, outputChannels: 64),
    ConvLayer(name: "conv3 3x3", size: 28, inputChannels: 128, outputChannels: 128),
    ConvLayer(name: "conv4 3x3", size: 14, inputChannels: 256, outputChannels: 256),
    ConvLayer(name: "conv5 3x3", size: 7, inputChannels: 512, outputChannels: 512),
]

/// The distinct 1x1 convolutions of ResNet50 at 224x224, batch 1, as GEMMs (M = H*W, N = Cout, K = Cin): per
/// stage the block's reduce (K = 4N) and expand (N = 4K) convolutions and the first block's reduce from the
/// stage below; they are plain GEMMs with small M and short K, and half of the model's time.
let resnet50PointwiseShapes: [(m: Int, n: Int, k: Int)] = [
    (3136, 64, 64), (3136, 256, 64), (3136, 64, 256),
    (784, 128, 256), (784, 512, 128), (784, 128, 512),
    (196, 256, 512), (196, 1024, 256), (196, 256, 1024),
    (49, 512, 1024), (49, 2048, 512), (49, 512, 2048),
]

/// MobileNetV2's and EfficientNetB0's shallow pointwise convolutions at batch 1 as (M, N, K): depths of 16 to 40, where a
/// register tile's reduction is over in tens of nanoseconds and what surrounds it counts.
let mobilePointwiseShapes: [(m: Int, n: Int, k: Int)] = [
    (12544, 16, 32), (12544, 96, 16), (3136, 144, 24), (3136, 24, 144),
    (784, 192, 32), (784, 240, 40), (196, 384, 64), (49, 960, 160),
]
