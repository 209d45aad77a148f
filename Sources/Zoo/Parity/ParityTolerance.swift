/// The default normalised-error tolerance per stored weight precision. Float32 is DESIGN.md's 1e-4: what
/// separates a reordered float32 sum from a real bug. Reduced-precision weights perturb every layer by
/// their rounding, and the perturbation accumulates with depth, so the tolerance has to admit it.
///
/// Measured over every model of the reference set (k3.keras converted with `--dtype`, every golden case),
/// the worst layer's normalised error was 6.5e-3 for F16 (VGG16's softmax on the image case) and 1.7e-2
/// for BF16 (ResNet50's conv4 BatchNormalizations); the defaults keep a margin of about 3x. Two places
/// amplify weight rounding far beyond that and need an explicit `--tolerance`: a 1000-way softmax over
/// near one-hot logits (VGG16 BF16, image case: 0.33) and a sigmoid fed inputs scaled by 1000 (the tiny
/// convolution model's `large` case: 0.11 F16, 0.84 BF16). The argmax agreed on every input throughout.
public enum ParityTolerance {
    public static let float32 = 1e-4
    public static let float16 = 2e-2
    public static let bfloat16 = 5e-2

    /// The tolerance for weights stored as `dtype` (a safetensors dtype name; mixed files take the loosest).
    public static func defaultValue(forWeights dtype: String?) -> Double {
        let parts = (dtype ?? "F32").split(separator: "+")
        if parts.contains("BF16") { return bfloat16 }
        if parts.contains("F16") { return float16 }
        return float32
    }

    /// Why the default is what it is, for the report header.
    public static func justification(forWeights dtype: String?) -> String {
        switch defaultValue(forWeights: dtype) {
        case bfloat16: return "BF16 weights: measured worst layer 1.7e-2 over the reference set, margin 3x"
        case float16: return "F16 weights: measured worst layer 6.5e-3 over the reference set, margin 3x"
        default: return "float32, DESIGN.md"
        }
    }
}
