import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Foundation's file errors in the words a user can act on: the system's own reason ("No such file or directory",
/// "Permission denied"), never "Error Domain=NSCocoaErrorDomain Code=260 ...".
enum SystemErrorText {
    /// The reason alone, for a message that already names the file.
    static func reason(_ error: Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        guard let cocoa = error as? CocoaError else { return "\(error)" }
        // swift-corelibs-foundation keeps the system's error as a POSIXError; Darwin's Foundation as an NSError.
        if let posix = cocoa.underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if let underlying = cocoa.underlying as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
        case .fileReadNoPermission, .fileWriteNoPermission: return String(cString: strerror(EACCES))
        case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
        case .fileWriteFileExists: return String(cString: strerror(EEXIST))
        case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return "not readable as UTF-8 text"
        default: return "the file system refused it (\(cocoa.code.rawValue))"
        }
    }

    /// `PATH: reason` for a Foundation file error that names its file, nil for any other error.
    static func described(_ error: Error) -> String? {
        guard error is CocoaError || error is POSIXError else { return nil }
        let path = (error as? CocoaError)?.filePath
        return (path.map { "\($0): " } ?? "") + reason(error)
    }
}
