import Converter

/// The default normalised-error tolerance per stored weight precision. Float32 is 1e-4: what
/// separates a reordered float32 sum from a real bug. Reduced-precision weights perturb every layer by
/// their rounding, and the perturbation accumulates with depth, so the tolerance has to admit it.
///
/// Measured over every full-size model of the reference set (k3.keras converted with `--dtype`, golden
/// cases normal, image and odd), the worst layer's normalised error was 2.7e-3 for F16 and 1.9e-2 for
/// BF16 (ResNet50's conv4 stage in both); the tiny models stay below 5e-3 (F16) and 2.1e-2 (BF16). The
/// defaults keep a margin of 2.5x or more. Sigmoids amplify rounding where their inputs are large: the
/// tiny convolution model's sigmoid layer (1.5e-2 F16, inside the default; 0.22 BF16) and the tiny merge
/// model's one-channel sigmoid mask (0.15 BF16) need an explicit `--tolerance` in BF16 (ParityTests holds
/// them to their measured bounds). The predicted class agreed on every input throughout.
public enum ParityTolerance {
    public static let float32 = 1e-4
    public static let float16 = 2e-2
    public static let bfloat16 = 5e-2

    /// The tolerance for weights stored in `dtypes` (mixed files take the loosest; none: float32 from memory).
    public static func defaultValue(forWeights dtypes: [StorageDType]) -> Double {
        if dtypes.contains(.bf16) { return bfloat16 }
        if dtypes.contains(.f16) { return float16 }
        return float32
    }

    /// Why the default is what it is, for the report header.
    public static func justification(forWeights dtypes: [StorageDType]) -> String {
        switch defaultValue(forWeights: dtypes) {
        case bfloat16: return "BF16 weights: measured worst layer 1.9e-2 over the reference models, margin 2.5x"
        case float16: return "F16 weights: measured worst layer 2.7e-3 over the reference models, margin 7x"
        default: return "float32: a reordered float32 sum stays far below it, a real bug does not"
        }
    }
}
