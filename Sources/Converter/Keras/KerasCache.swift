import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where Keras keeps the files `keras.utils.get_file` downloads (`keras.applications`' weights among them), so
/// that Zoo uses a file Keras already fetched and puts the ones it fetches where Keras will find them.
///
/// Keras 3 (keras/src/backend/config.py, keras/src/utils/file_utils.py) caches under `$KERAS_HOME`, else
/// `~/.keras`, in the subfolder `models`; when that folder's parent is not writable it uses `/tmp/.keras`
/// instead. A file is only used when its hash matches the published one: a damaged or different file is refused,
/// never silently taken.
public struct KerasCache: Sendable {
    /// The `models` folders looked in, in order: `$KERAS_HOME/models` (when set), `~/.keras/models`,
    /// `/tmp/.keras/models`.
    public let searchDirectories: [URL]
    let primaryRoot: URL
    let fallbackRoot: URL

    /// `environment` supplies `KERAS_HOME` and `HOME`; `temporaryRoot` is Keras' fallback's parent (`/tmp`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, temporaryRoot: String = "/tmp") {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let homeRoot = URL(fileURLWithPath: home).appendingPathComponent(".keras")
        fallbackRoot = URL(fileURLWithPath: temporaryRoot).appendingPathComponent(".keras")
        var roots = [homeRoot, fallbackRoot]
        if let kerasHome = environment["KERAS_HOME"], !kerasHome.isEmpty {
            roots.insert(URL(fileURLWithPath: (kerasHome as NSString).expandingTildeInPath), at: 0)
        }
        primaryRoot = roots[0]
        var seen = Set<String>()
        searchDirectories = roots.filter { seen.insert($0.standardizedFileURL.path).inserted }
            .map { $0.appendingPathComponent("models") }
    }

    /// What the cache holds under one file name.
    public struct Lookup: Sendable {
        /// The first copy whose hash matches.
        public let verified: URL?
        /// Copies whose hash does not match, with the hash each one has.
        public let refused: [(file: URL, actual: String)]
    }

    /// Every copy of `fileName` in the search folders, checked against `hash`; the search stops at the first match.
    public func lookup(fileName: String, hash: KerasFileHash) throws -> Lookup {
        var refused: [(file: URL, actual: String)] = []
        for directory in searchDirectories {
            let file = directory.appendingPathComponent(fileName)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let actual = try hash.digest(ofFileAt: file.path)
            if actual == hash.hex { return Lookup(verified: file, refused: refused) }
            refused.append((file, actual))
        }
        return Lookup(verified: nil, refused: refused)
    }

    /// The cached copy of `fileName` whose hash matches, or nil when there is none; when the only copies have another
    /// hash, an error naming each one and both hashes (`fetchHint` says how to get the right file).
    public func file(named fileName: String, hash: KerasFileHash, fetchHint: String) throws -> URL? {
        let found = try lookup(fileName: fileName, hash: hash)
        if let verified = found.verified { return verified }
        guard let first = found.refused.first else { return nil }
        let others = found.refused.dropFirst().map { "; \($0.file.path) too (\(hash.algorithm.rawValue) \($0.actual))" }.joined()
        throw ConversionError(file: first.file.path,
                              "\(hash.algorithm.rawValue) is \(first.actual), not the published \(hash.hex): the file is damaged or not the published one, so it is not used\(others); delete it, or \(fetchHint)")
    }

    /// The folder a download goes to when none is given, as Keras chooses it: `models` under `$KERAS_HOME` or
    /// `~/.keras` (created if need be), or under `/tmp/.keras` when that one is not writable.
    public func downloadDirectory() throws -> URL {
        let root = Self.isWritable(creating: primaryRoot) ? primaryRoot : fallbackRoot
        let directory = root.appendingPathComponent("models")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ConversionError(file: directory.path, "cannot create the Keras cache folder: \(error.localizedDescription)")
        }
        return directory
    }

    private static func isWritable(creating directory: URL) -> Bool {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return access(directory.path, W_OK) == 0
    }
}
