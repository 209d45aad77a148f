import CHDF5

/// A new HDF5 file written through libhdf5, the way h5py writes one (float32 datasets, UTF-8
/// variable-length string attributes). It is built under a temporary name in the destination
/// directory and renamed into place only by `commit()`, so a failure at any point, or a writer
/// dropped without committing, leaves nothing behind at the destination or beside it.
public final class HDF5Writer: @unchecked Sendable {
    public let path: String
    let temporaryPath: String
    private var id: hid_t
    private var committed = false

    /// Creates the temporary file next to `path`; an unwritable directory is reported here,
    /// before any data is produced.
    public init(path: String) throws {
        zoo_h5_silence_errors()
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(directory).\(base).\(getpid()).partial"
        let id = H5Fcreate(temporaryPath, zoo_h5f_acc_excl(), zoo_h5p_default(), zoo_h5p_default())
        guard id >= 0 else {
            throw ConversionError(file: path, "cannot be written (directory missing or not writable, or \(temporaryPath) exists)")
        }
        self.id = id
    }

    deinit {
        guard !committed else { return }
        if id >= 0 { H5Fclose(id) }
        unlink(temporaryPath)
    }

    /// Creates the group at the absolute `groupPath` and any missing groups above it, then sets
    /// its string attributes.
    public func createGroup(_ groupPath: String, attributes: [String: String] = [:]) throws {
        var prefix = ""
        for component in groupPath.split(separator: "/") {
            prefix += "/\(component)"
            guard H5Lexists(id, prefix, zoo_h5p_default()) <= 0 else { continue }
            let group = H5Gcreate2(id, prefix, zoo_h5p_default(), zoo_h5p_default(), zoo_h5p_default())
            guard group >= 0 else { throw error("group cannot be created", at: prefix) }
            H5Gclose(group)
        }
        let group = H5Gopen2(id, groupPath, zoo_h5p_default())
        guard group >= 0 else { throw error("group cannot be opened", at: groupPath) }
        defer { H5Gclose(group) }
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            try writeStringAttribute(name, value, on: group, at: groupPath)
        }
    }

    /// Writes `values` as a float32 dataset of `shape` at the absolute `datasetPath` (its group must exist).
    public func writeFloat32(_ datasetPath: String, shape: [Int], values: UnsafeBufferPointer<Float>) throws {
        guard shape.reduce(1, *) == values.count else {
            throw error("shape \(shape) does not hold \(values.count) values", at: datasetPath)
        }
        let dimensions = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dimensions.count), dimensions, nil)
        guard space >= 0 else { throw error("dataspace cannot be created", at: datasetPath) }
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(id, datasetPath, zoo_h5t_ieee_f32le(), space, zoo_h5p_default(), zoo_h5p_default(), zoo_h5p_default())
        guard dataset >= 0 else { throw error("dataset cannot be created", at: datasetPath) }
        defer { H5Dclose(dataset) }
        guard H5Dwrite(dataset, zoo_h5t_native_float(), zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), values.baseAddress) >= 0 else {
            throw error("dataset cannot be written (disk full?)", at: datasetPath)
        }
    }

    /// Closes the file, flushing it, and renames it onto `path`.
    public func commit() throws {
        let status = H5Fclose(id)
        id = -1
        guard status >= 0 else { throw ConversionError(file: path, "cannot be finished (disk full?)") }
        guard rename(temporaryPath, path) == 0 else {
            throw ConversionError(file: path, "cannot be put in place (rename from \(temporaryPath) failed)")
        }
        committed = true
    }

    /// A scalar variable-length UTF-8 string, what h5py stores for `attrs[name] = "text"`.
    private func writeStringAttribute(_ name: String, _ value: String, on object: hid_t, at place: String) throws {
        let type = H5Tcopy(zoo_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, zoo_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, name, type, space, zoo_h5p_default(), zoo_h5p_default())
        guard attribute >= 0 else { throw error("attribute '\(name)' cannot be created", at: place) }
        defer { H5Aclose(attribute) }
        let status = value.withCString { text -> herr_t in
            var pointer: UnsafePointer<CChar>? = text
            return H5Awrite(attribute, type, &pointer)
        }
        guard status >= 0 else { throw error("attribute '\(name)' cannot be written", at: place) }
    }

    private func error(_ problem: String, at place: String) -> ConversionError {
        ConversionError(file: path, place: place, problem)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
