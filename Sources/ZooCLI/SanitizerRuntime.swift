#if canImport(Glibc)
import Glibc
#endif

/// Whether this process runs under AddressSanitizer, ThreadSanitizer or MemorySanitizer (`make test-asan`,
/// `make test-tsan`, docs/sanitizers.md), whose shadow memory is terabytes of reserved address space.
///
/// Asked of the running process rather than of the build or the environment: Swift has no compile-time
/// condition for `-sanitize=`, and ASAN_OPTIONS or TSAN_OPTIONS say only what someone exported (`make test-asan`
/// exports them to every process it starts, instrumented or not). Each runtime defines its `__<name>_init` entry
/// point and exports it to the dynamic linker, linked statically into the executable or loaded as a shared
/// library alike, so a lookup in the process's global symbols finds it exactly when the runtime is there.
enum SanitizerRuntime {
    static let isPresent: Bool = {
        guard let process = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(process) }
        let entryPoints: [String] = ["__asan_init", "__tsan_init", "__msan_init"]
        return entryPoints.contains { dlsym(process, $0) != nil }
    }()
}
