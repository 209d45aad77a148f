#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The number of processors this process may run on, read once (without Foundation, which the kernels avoid).
enum ProcessInfoCores {
    static let active: Int = max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
}
