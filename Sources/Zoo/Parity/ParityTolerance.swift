/// The default normalised-error tolerance per stored weight precision. Float32 is DESIGN.md's 1e-4: what
/// separates a reordered float32 sum from a real bug. Reduced-precision weights perturb every layer by
/// their rounding, which the tolerance has to admit; the values below come from measuring every model of
/// the reference set (reported by the parity tests) with a margin, and stay far below what a wrong
/// padding or epsilon produces.
public enum ParityTolerance {
    public static let float32 = 1e-4
    public static let float16 = 1e-2
    public static let bfloat16 = 1e-1

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
        case bfloat16: return "BF16 weights keep 8 significant bits; measured worst layer errors set this default"
        case float16: return "F16 weights keep 11 significant bits; measured worst layer errors set this default"
        default: return "float32, DESIGN.md"
        }
    }
}
