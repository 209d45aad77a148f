/// The element types Zoo writes weights in. Values are the safetensors dtype names.
public enum StorageDType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    public var byteWidth: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        }
    }
}

/// Every dtype the reader accepts, with its element width in bytes.
///
/// This is the set the Rust `safetensors` crate knows, so a file it wrote opens here even when
/// Zoo never writes that dtype (I8 for quantized weights, or U8 tensors in someone else's file).
/// The sub-byte types (F4, F6_*) are left out: their sizes are not whole bytes per element, and
/// nothing in Zoo produces or consumes them, so they are reported as unknown.
enum SafetensorsDType {
    static func byteWidth(of name: String) -> Int? {
        switch name {
        case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0": return 1
        case "I16", "U16", "F16", "BF16": return 2
        case "I32", "U32", "F32": return 4
        case "I64", "U64", "F64", "C64": return 8
        default: return nil
        }
    }
}
