import Converter
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The checks a command makes on the paths it is given before any work, so that a wrong path fails in one line
/// that says what to do, and no file the user cares about is lost.
enum FilePaths {
    /// Fails unless `path` is an existing file (or a link to one): a folder or a missing file is named as such.
    static func requireFile(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandFailure("\(path): no such file")
        }
        if isDirectory.boolValue { throw CommandFailure("\(path): is a directory, not a file") }
    }

    /// Fails unless `path` is a file a converted model can be read from; a Keras checkpoint (recognised by
    /// its HDF5 or zip signature, whatever its name) is answered with the command that converts it.
    static func requireConvertedModel(_ path: String) throws {
        try requireFile(path)
        if isKerasCheckpoint(path) {
            throw CommandFailure("\(path): this is a Keras file: run `zoo convert \(path) -o \(ConvertCommand.defaultOutput(for: path))` first")
        }
    }

    /// Whether the file starts as a Keras checkpoint does: HDF5 (`.h5`, `.weights.h5`) or zip (`.keras`).
    static func isKerasCheckpoint(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        let hdf5: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        return head == hdf5 || head.starts(with: zip)
    }

    /// Whether `first` and `second` are the same file: the same device and inode, so `./a`, a symbolic link to
    /// `a` and a hard link of it all count. False when either does not exist.
    static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat(), b = stat()
        guard stat(first, &a) == 0, stat(second, &b) == 0 else { return false }
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// What to do when an output file already exists.
    enum Existing {
        /// Replace it (reports and trained models, which are made to be rewritten).
        case replace
        /// Refuse unless the command's `--force` was given.
        case refuseUnlessForced
    }

    /// Checks, before any work, that a new file can be written at `path`, and returns the path to write. `role` says
    /// what the file is ("output", "report"); `force` is the command's --force, nil for a command that has none.
    ///
    /// - A symbolic link at `path`, even a dangling one, is refused unless `force`: writing the new file beside it
    ///   and renaming it into place would replace the link itself, and the file it points to would silently keep
    ///   its old content. With `force` the link is followed to its end, and the path returned is that file's, so
    ///   the new file replaces the link's target (by the same rename, atomically) and the link stays.
    /// - The folder must exist and take a new file: a file is created there and removed again, because access()
    ///   answers for permissions only, and as root it calls even /proc and /sys writable.
    /// - An existing folder at the path is refused, an existing file only by `.refuseUnlessForced` without `force`.
    @discardableResult
    static func checkWritable(_ path: String, role: String, existing: Existing, force: Bool? = nil) throws -> String {
        var target = path
        if let resolved = try linkTarget(of: path, role: role) {
            let exists = FileManager.default.fileExists(atPath: resolved)
            switch force {
            case true?:
                target = resolved
            case false?:
                throw CommandFailure("\(path): is a symbolic link to \(resolved)\(exists ? "" : ", which does not exist")"
                                     + "; pass --force to write \(resolved) through it, or name another file")
            case nil:
                throw CommandFailure("\(path): cannot write the \(role) through a symbolic link: name the file it points to, \(resolved)")
            }
        }
        let folder = (target as NSString).deletingLastPathComponent
        let directory = folder.isEmpty ? "." : folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw CommandFailure("\(path): cannot write the \(role): the folder \(directory) does not exist")
        }
        guard isDirectory.boolValue else {
            throw CommandFailure("\(path): cannot write the \(role): \(directory) is a file, not a folder")
        }
        if let reason = cannotCreateFile(beside: target) {
            throw CommandFailure("\(path): cannot write the \(role): cannot create a file in \(directory): \(reason)")
        }
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else { return target }
        if isDirectory.boolValue {
            throw CommandFailure("\(path): cannot write the \(role): it is a directory (give a file name)")
        }
        if case .refuseUnlessForced = existing, force != true {
            throw CommandFailure("\(path): already exists; pass --force to replace it")
        }
        return target
    }

    /// Checks, before any work, that `path` is a folder a command can write its files into (`role` says whose:
    /// "results", "report", "dataset"), creating it and its parents when missing. Something that is not a folder at
    /// `path`, a folder that cannot be created, or one that takes no new file (found by creating one, as
    /// `checkWritable` does) fails in one line naming the path. A symbolic link to a folder is followed: the files
    /// are created inside it, and no rename replaces the link, so it needs no --force.
    static func prepareFolder(_ path: String, role: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CommandFailure("\(path): cannot write the \(role): it is a file, not a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure("\(path): cannot create the folder: \(SystemErrorText.reason(error))")
        }
        if let reason = cannotCreateFile(beside: (path as NSString).appendingPathComponent("probe")) {
            throw CommandFailure("\(path): cannot write the \(role): cannot create a file in it: \(reason)")
        }
    }

    /// The file a symbolic link at `path` ends at, through any chain of links (each relative target taken from its
    /// link's folder), whether or not it exists; nil when `path` is not a link.
    private static func linkTarget(of path: String, role: String) throws -> String? {
        var current = path
        // The kernel's own limit on links followed in one lookup (ELOOP beyond it).
        for _ in 0..<40 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
                return current == path ? nil : current
            }
            current = destination.hasPrefix("/")
                ? destination
                : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(destination)
        }
        throw CommandFailure("\(path): cannot write the \(role): \(String(cString: strerror(ELOOP)))")
    }

    /// Creates and removes a hidden file beside `path` (the writers' temporary files go there): the system's reason
    /// when that fails, nil when it works.
    private static func cannotCreateFile(beside path: String) -> String? {
        let probe = TemporaryFiles.name(for: path)
        TemporaryFiles.register(probe)
        defer { TemporaryFiles.forget(probe) }
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        close(descriptor)
        unlink(probe)
        return nil
    }
}
