import CHDF5

/// A read-only HDF5 file opened through libhdf5, either from disk or from a memory image
/// (a `.keras` archive stores its weights file uncompressed, so it is read in place).
/// Every failure is a `ConversionError` naming the file and the object.
public final class HDF5File: @unchecked Sendable {
    public let displayName: String
    let id: hid_t

    /// Opens `path`; a file that is missing, truncated or not HDF5 gives a clear error.
    public init(path: String) throws {
        zoo_h5_silence_errors()
        displayName = path
        guard H5Fis_hdf5(path) > 0 else {
            throw ConversionError(file: path, HDF5File.describeUnreadable(path))
        }
        let id = H5Fopen(path, zoo_h5f_acc_rdonly(), zoo_h5p_default())
        guard id >= 0 else {
            throw ConversionError(file: path, "libhdf5 cannot open it (truncated or damaged HDF5 file)")
        }
        self.id = id
    }

    /// Opens an HDF5 file image held in memory without copying it. `image` must outlive the file.
    public init(image: UnsafeRawBufferPointer, displayName: String) throws {
        zoo_h5_silence_errors()
        self.displayName = displayName
        let id = H5LTopen_file_image(UnsafeMutableRawPointer(mutating: image.baseAddress), image.count,
                                     zoo_h5lt_image_read_only_no_copy())
        guard id >= 0 else {
            throw ConversionError(file: displayName, "libhdf5 cannot open the embedded weights file (damaged archive?)")
        }
        self.id = id
    }

    deinit { H5Fclose(id) }

    public var root: HDF5Group {
        get throws { try HDF5Group(file: self, path: "/") }
    }

    private static func describeUnreadable(_ path: String) -> String {
        guard let handle = fopen(path, "rb") else { return "cannot be opened (missing or unreadable)" }
        defer { fclose(handle) }
        var signature = [UInt8](repeating: 0, count: 8)
        let count = fread(&signature, 1, 8, handle)
        fseek(handle, 0, SEEK_END)
        let size = ftell(handle)
        if count == 8 && signature == [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] {
            return "the HDF5 file is truncated or damaged (\(size) bytes)"
        }
        return "not an HDF5 file (no HDF5 signature in \(size) bytes)"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
