import Crypto

/// The `file_hash` `keras.utils.get_file` checks a download against: 32 hex digits are an MD5 (what
/// `keras.applications` publishes for its weights), 64 a SHA-256, as Keras' `algorithm="auto"` decides.
public struct KerasFileHash: Sendable, Equatable, CustomStringConvertible {
    public enum Algorithm: String, Sendable { case md5, sha256 }

    public let algorithm: Algorithm
    /// Lowercase hex digits.
    public let hex: String

    public init(_ text: String) throws {
        let hex = text.lowercased()
        guard hex.allSatisfy(\.isHexDigit), let algorithm: Algorithm = switch hex.count {
            case 32: .md5
            case 64: .sha256
            default: nil
        } else {
            throw KerasFileHashError("'\(text)' is not a file hash: Keras takes an MD5 (32 hex digits) or a SHA-256 (64)")
        }
        self.algorithm = algorithm
        self.hex = hex
    }

    /// The digest of the file at `path` under this hash's algorithm, as lowercase hex.
    public func digest(ofFileAt path: String) throws -> String {
        switch algorithm {
        case .md5: try hexDigest(ofFileAt: path, hasher: Insecure.MD5())
        case .sha256: try hexDigest(ofFileAt: path, hasher: SHA256())
        }
    }

    /// `md5 6d6bbae1...`: the algorithm names itself, so an error showing two digests says what they are.
    public var description: String { "\(algorithm.rawValue) \(hex)" }
}

public struct KerasFileHashError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
