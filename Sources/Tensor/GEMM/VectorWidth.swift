#if canImport(Glibc)
import Glibc
#endif

/// Which register tile suits this CPU, decided once. With AVX-512 the 6x32 tile's twelve 16-float
/// accumulators fill half of the 32 vector registers. With AVX2 only, each of them is two of the 16 ymm
/// registers, so the same tile spills; there the tile is computed as two 6x16 halves of 8-float vectors (twelve
/// accumulators, two panel vectors and a broadcast: 15 registers). Measured on a Zen 3 (AVX2+FMA): 62 GFLOP/s
/// per core with the spilling tile; see `multiplyHalfTile` for the halves.
public enum VectorWidth {
    /// Whether the CPU has AVX-512F (`avx512f` among /proc/cpuinfo's flags; false where that file is missing).
    public static let hasAVX512: Bool = {
        #if canImport(Glibc)
        guard let file = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let text = String(cString: line!)
            guard text.hasPrefix("flags") else { continue }
            return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).contains("avx512f")
        }
        return false
        #else
        return false
        #endif
    }()

    /// The path the matrix kernels take here, in words (`zoo --version`).
    public static var kernelPath: String {
        hasAVX512 ? "AVX-512 (6x32 register tile of 16-float vectors)" : "AVX2+FMA (the 6x32 tile as two 6x16 halves of 8-float vectors)"
    }
}
