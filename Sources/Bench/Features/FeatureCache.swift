import Converter
import Foundation
import Tensor

/// Feature tensors on disk, one file per (image, view) under `directory/<first two hex digits>/<key digest>.feat`.
///
/// Safe to share between processes without any lock: an entry is written whole to a unique temporary name in
/// its own folder, flushed to disk (fsync), then renamed over its final name. rename(2) within one file system
/// is atomic, so a reader opens either no file, or a complete one (the old or the new: both hold the same values,
/// the key fixes them). Two writers of one entry each rename a complete file; the last one wins. Nothing here
/// depends on the writers being threads of one process.
///
/// A damaged entry (truncated, a flipped byte, another key's, an older format) is detected on read, reported on
/// one line naming the file, deleted and treated as missing, so the caller recomputes it.
public final class FeatureCache: @unchecked Sendable {
    public let directory: URL
    private let warn: @Sendable (String) -> Void

    /// `~/.cache/zoo/features`.
    public static var defaultDirectory: URL {
        FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/zoo/features")
    }

    /// `warn` receives each damaged-entry line; the default writes to standard error.
    public init(directory: URL = FeatureCache.defaultDirectory,
                warn: @escaping @Sendable (String) -> Void = ProgressReporter.standardError) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: directory.path, kind: .writeFailed, problem: "cannot create the feature cache folder (\(error.localizedDescription))")
        }
        self.directory = directory
        self.warn = warn
    }

    /// Where the entry of `key` lives.
    public func url(of key: FeatureKey) -> URL {
        let hex = key.hex
        return directory.appendingPathComponent(String(hex.prefix(2))).appendingPathComponent(hex + ".feat")
    }

    /// What a lookup found.
    public enum Lookup {
        case hit(Tensor)
        case miss
        /// The entry was damaged: reported, deleted; recompute it.
        case damaged(file: String, problem: String)
    }

    /// The entry of `key`, if there is a valid one.
    public func read(_ key: FeatureKey) -> Lookup {
        let url = url(of: key)
        guard let data = FileManager.default.contents(atPath: url.path) else { return .miss }
        switch FeatureEntry.decode(data, key: key) {
        case .success(let tensor): return .hit(tensor)
        case .failure(let damage):
            warn("warning: \(url.path): damaged feature cache entry (\(damage.problem)); deleted, recomputing")
            try? FileManager.default.removeItem(at: url)
            return .damaged(file: url.path, problem: damage.problem)
        }
    }

    /// Stores `tensor` as the entry of `key`, replacing any entry there.
    public func write(_ tensor: Tensor, for key: FeatureKey) throws {
        let url = url(of: key)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: folder.path, kind: .writeFailed, problem: "cannot create the folder (\(error.localizedDescription))")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UUID().uuidString).tmp")
        TemporaryFiles.register(temporary.path)
        defer { TemporaryFiles.forget(temporary.path) }
        do {
            try FeatureCache.writeDurably(FeatureEntry.encode(tensor, key: key), to: temporary.path)
            guard rename(temporary.path, url.path) == 0 else { throw POSIXFailure("rename", errno) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw DataError(file: url.path, kind: .writeFailed, problem: "cannot write the feature cache entry (\(error))")
        }
    }

    /// Creates `path` (it must not exist), writes `data` and fsyncs it, so the rename that follows publishes a file
    /// whose bytes are on disk.
    private static func writeDurably(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw POSIXFailure("open", errno) }
        defer { close(descriptor) }
        try FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).write(contentsOf: data)
        guard fsync(descriptor) == 0 else { throw POSIXFailure("fsync", errno) }
    }

    private struct POSIXFailure: Error, CustomStringConvertible {
        let description: String
        init(_ call: String, _ code: Int32) { description = "\(call): \(String(cString: strerror(code)))" }
    }
}
