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
        /// Replace it (reports, which are made to be rewritten).
        case replace
        /// Refuse unless the command's `--force` was given.
        case refuseUnlessForced(Bool)
    }

    /// Fails unless `path` can be written as a new file: its folder exists and is a folder, `path` is not a folder,
    /// and an existing file there may be replaced. `role` says what the file is ("output", "report").
    static func checkWritable(_ path: String, role: String, existing: Existing) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let directory = folder.isEmpty ? "." : folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw CommandFailure("\(path): cannot write the \(role): the folder \(directory) does not exist")
        }
        guard isDirectory.boolValue else {
            throw CommandFailure("\(path): cannot write the \(role): \(directory) is a file, not a folder")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw CommandFailure("\(path): cannot write the \(role): the folder \(directory) is not writable")
        }
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue {
            throw CommandFailure("\(path): cannot write the \(role): it is a directory (give a file name)")
        }
        if case .refuseUnlessForced(false) = existing {
            throw CommandFailure("\(path): already exists; pass --force to replace it")
        }
    }
}
