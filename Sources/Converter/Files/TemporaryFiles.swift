#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files this process is writing (every output is written under a temporary name and renamed
/// into place), kept where a signal handler can reach them: when Ctrl-C (SIGINT), SIGTERM or SIGHUP ends the
/// process, `removeOnSignals`' handler deletes each one still listed, so an interrupted command leaves nothing
/// behind. The list is a fixed table of C strings because a handler may only call async-signal-safe functions
/// (unlink, signal, raise): it cannot allocate, lock or touch Swift objects.
public enum TemporaryFiles {
    /// More than any command writes at once (a report's files, one conversion, the feature cache's writers).
    static let capacity = 64
    nonisolated(unsafe) static let table: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        table.initialize(repeating: nil, count: capacity)
        return table
    }()
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()

    /// `<folder>/.<name>.tmp-<random>` for `path`: hidden, and beside it, so the rename into place stays on one file
    /// system and a probe of whether the folder takes a new file tests the folder the writer will use.
    public static func name(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(folder).\(name).tmp-\(String(UInt64.random(in: .min ... .max), radix: 16))"
    }

    /// Lists `path` until `forget`; a full table only means that file would not be cleaned up on a signal.
    public static func register(_ path: String) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let free = (0..<capacity).first(where: { table[$0] == nil }) { table[free] = strdup(path) }
    }

    /// Takes `path` off the list: it was renamed into place or removed.
    public static func forget(_ path: String) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        for index in 0..<capacity {
            guard let entry = table[index], strcmp(entry, path) == 0 else { continue }
            table[index] = nil   // cleared before freed, so a handler running now never reads freed memory
            free(entry)
        }
    }

    /// Installs the handler (once, at the start of a command): remove every listed file, then die of the
    /// same signal with its default action, so the exit status still says what happened.
    public static func removeOnSignals() {
        _ = table   // initialised here, never for the first time inside the handler
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { received in
                for index in 0..<TemporaryFiles.capacity {
                    if let path = TemporaryFiles.table[index] { unlink(path) }
                }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}
