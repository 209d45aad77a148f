import Converter
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The data hash check that `predict` and `verify` make on a converted file the first time they use it. Hashing
/// VGG16's 528 MB takes about a second, so a file that passed is remembered by what identifies this copy of it
/// (device, inode, size, modification time): the next use of the unchanged file skips the hash, and any write to
/// it (which changes the modification time) makes the next use hash it again. A file under `rememberedSize` hashes in a
/// few milliseconds and is not remembered, so the folder holds one entry per model worth it, not per small file.
/// `inspect` always hashes.
enum DataHashCheck {
    static let rememberedSize = 16 << 20

    /// Where the passes are remembered: one empty file per verified copy, named by its identity.
    static var folder: URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("zoo/verified")
    }

    /// Fails when the file's data does not hash to the value its metadata records (the file is damaged); a file
    /// written without a hash (not by `zoo convert`) passes, as `inspect` reports it.
    static func require(_ file: SafetensorsFile, path: String) throws {
        let record = identity(of: path).map { folder.appendingPathComponent($0) }
        if let record, FileManager.default.fileExists(atPath: record.path) { return }
        switch file.verifyDataHash() {
        case .mismatch(let expected, let actual):
            throw CommandFailure("\(path): data hash does not match (the file is damaged): its metadata says \(expected), the data hashes to \(actual); convert it again, or pass --no-verify to use it anyway")
        case .absent:
            return
        case .verified:
            // Remembering is a convenience: a cache folder that cannot be written only means hashing again next time.
            guard let record else { return }
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: record.path, contents: nil)
        }
    }

    /// "device-inode-size-mtime" of the file `path` names (through links), or nil if it cannot be read or is too small
    /// to be worth remembering.
    private static func identity(of path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_size >= rememberedSize else { return nil }
        let modified = Int(status.st_mtim.tv_sec) * 1_000_000_000 + Int(status.st_mtim.tv_nsec)
        return "\(status.st_dev)-\(status.st_ino)-\(status.st_size)-\(modified)"
    }
}
