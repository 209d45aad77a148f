import Foundation

/// A file's SHA-256, computed on its own thread from the moment this is created: the conversion hashes its
/// source while the tensors stream, `zoo train` the model it starts from as soon as it opens it (so the hash
/// describes the file that was read, not whatever is at the path when training ends).
public final class BackgroundDigest: @unchecked Sendable {
    /// Stands in the metadata for the digest until it is known: 64 characters, like the digest,
    /// and none of them a hex digit, so it cannot be mistaken for one.
    static let placeholder = String(repeating: "?", count: 64)

    private let done = DispatchSemaphore(value: 0)
    private var result: Result<String, Error> = .success("")

    public init(path: String) {
        let thread = Thread { [self] in
            result = Result { try sha256Hex(ofFileAt: path) }
            done.signal()
        }
        thread.start()
    }

    /// Waits for the digest.
    public func value() throws -> String {
        done.wait()
        done.signal()
        return try result.get()
    }
}
