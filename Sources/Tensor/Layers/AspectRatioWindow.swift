/// The largest centred window of an image that has a target's aspect ratio, which Keras cuts out before it resizes an
/// image to that target without distorting it (CenterCrop's `smart_resize` of an input smaller than its target, and
/// `Resizing(crop_to_aspect_ratio=True)`): `int(W · height / width)` rows (at most H, at least 1) and `int(H · width /
/// height)` columns, from row `(H − rows) // 2` and column `(W − columns) // 2`.
struct AspectRatioWindow {
    let top: Int, left: Int, height: Int, width: Int
}

extension AspectRatioWindow {
    /// How the two quotients are computed before they are truncated. They agree whenever `W · height` and `H · width` are
    /// below 2^24, where float32 holds them exactly and rounds no quotient across an integer.
    enum Arithmetic {
        /// Python's float: `smart_resize` on sizes known when it runs (CenterCrop's).
        case double
        /// float32 tensors, as Keras' TensorFlow backend computes `Resizing`'s crop (`backend/tensorflow/image.py`, `resize`).
        case float32
    }

    /// The window of an `imageHeight` x `imageWidth` image with the aspect ratio of `targetHeight` x `targetWidth`.
    init(imageHeight: Int, imageWidth: Int, targetHeight: Int, targetWidth: Int, arithmetic: Arithmetic) {
        func quotient(_ numerator: Int, _ denominator: Int) -> Int {
            switch arithmetic {
            case .double: Int(Double(numerator) / Double(denominator))
            case .float32: Int(Float(numerator) / Float(denominator))
            }
        }
        height = max(min(imageHeight, quotient(imageWidth * targetHeight, targetWidth)), 1)
        width = max(min(imageWidth, quotient(imageHeight * targetWidth, targetHeight)), 1)
        top = (imageHeight - height) / 2
        left = (imageWidth - width) / 2
    }
}
