import Bench
import Converter
import Foundation
import Tensor

/// What `zoo --version` prints: the converter version every converted file records, the commit of the checkout
/// the binary was built in (when it is known), the CPU model and the kernel path in use (and ZOO_CPU when it forced it).
enum VersionReport {
    static func text() -> String {
        let machine = Machine.current
        let flags = machine.vectorExtensions.isEmpty ? "none of avx512f, avx2, fma, f16c" : machine.vectorExtensions.joined(separator: " ")
        return [
            Conversion.converterVersion,
            "commit: \(machine.commit)",
            "cpu: \(machine.cpuModel)",
            "kernels: \(KernelPath.summary); CPU flags: \(flags)",
        ].joined(separator: "\n")
    }
}
