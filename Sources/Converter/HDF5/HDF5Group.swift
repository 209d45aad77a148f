import CHDF5

/// A group inside an open HDF5 file: its links, its attributes and its datasets.
public final class HDF5Group: @unchecked Sendable {
    public let file: HDF5File
    public let path: String
    let id: hid_t

    init(file: HDF5File, path: String) throws {
        let id = H5Gopen2(file.id, path, zoo_h5p_default())
        guard id >= 0 else { throw ConversionError(file: file.displayName, place: path, "group cannot be opened") }
        self.file = file
        self.path = path
        self.id = id
    }

    deinit { H5Gclose(id) }

    func child(_ name: String) -> String { path == "/" ? "/\(name)" : "\(path)/\(name)" }

    func error(_ problem: String, at name: String? = nil) -> ConversionError {
        ConversionError(file: file.displayName, place: name.map(child) ?? path, problem)
    }

    // MARK: Links

    /// Names of the links directly in this group, in alphabetical order (Keras does not track
    /// creation order, so the order that matters always comes from attributes).
    public func linkNames() throws -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { throw error("cannot list the group") }
        return try (0..<info.nlinks).map { index in
            let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, zoo_h5p_default())
            guard length >= 0 else { throw error("cannot read link \(index)") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, zoo_h5p_default())
            return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// True when `relativePath` (which may contain `/`) names an existing object.
    public func contains(_ relativePath: String) -> Bool {
        var prefix = ""
        for component in relativePath.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += prefix.isEmpty ? String(component) : "/\(component)"
            guard H5Lexists(id, prefix, zoo_h5p_default()) > 0 else { return false }
        }
        return !prefix.isEmpty
    }

    public func isGroup(_ relativePath: String) -> Bool {
        guard contains(relativePath) else { return false }
        var info = H5O_info_t()
        guard H5Oget_info_by_name1(id, relativePath, &info, zoo_h5p_default()) >= 0 else { return false }
        return info.type == H5O_TYPE_GROUP
    }

    public func group(_ relativePath: String) throws -> HDF5Group {
        guard isGroup(relativePath) else { throw error("missing group", at: relativePath) }
        return try HDF5Group(file: file, path: child(relativePath))
    }

    public func dataset(_ relativePath: String) throws -> HDF5Dataset {
        guard contains(relativePath) else { throw error("missing dataset", at: relativePath) }
        return try HDF5Dataset(group: self, name: relativePath)
    }

    // MARK: Attributes

    public func hasAttribute(_ name: String) -> Bool { H5Aexists(id, name) > 0 }

    /// A string attribute, scalar or 1-D, in any of the encodings Keras writers produce:
    /// variable-length (h5py 3), fixed-length NUL-padded (h5py 2 and every chunked attribute),
    /// ASCII or UTF-8. Keras writes an empty list as a zero-length float64 array: that reads as [].
    public func strings(attribute name: String) throws -> [String] {
        let attribute = H5Aopen(id, name, zoo_h5p_default())
        guard attribute >= 0 else { throw error("cannot open attribute '\(name)'") }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute), space = H5Aget_space(attribute)
        defer { H5Tclose(type); H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        guard H5Tget_class(type) == H5T_STRING else {
            if count == 0 { return [] }
            throw error("attribute '\(name)' holds \(count) non-string values where Keras writes names")
        }
        let memoryType = H5Tcopy(zoo_h5t_c_s1())
        defer { H5Tclose(memoryType) }
        H5Tset_cset(memoryType, H5Tget_cset(type))
        if H5Tis_variable_str(type) > 0 {
            H5Tset_size(memoryType, zoo_h5t_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attribute, memoryType, &pointers) >= 0 else { throw error("cannot read attribute '\(name)'") }
            defer { H5Dvlen_reclaim(memoryType, space, zoo_h5p_default(), &pointers) }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(type)
        H5Tset_size(memoryType, width)
        H5Tset_strpad(memoryType, H5T_STR_NULLPAD)
        var raw = [UInt8](repeating: 0, count: count * width)
        guard H5Aread(attribute, memoryType, &raw) >= 0 else { throw error("cannot read attribute '\(name)'") }
        // Fixed-length strings are NUL-padded, and the longest one has no terminator at all.
        return (0..<count).map { index in
            let bytes = raw[(index * width)..<((index + 1) * width)]
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// A scalar string attribute, or nil when absent.
    public func string(attribute name: String) throws -> String? {
        guard hasAttribute(name) else { return nil }
        return try strings(attribute: name).first
    }

    /// A list attribute that Keras may have split into `name0`, `name1`, ... because it would not
    /// fit HDF5's 64 KB object header: read it whole, in either form; [] when absent.
    public func chunkedStrings(attribute name: String) throws -> [String] {
        if hasAttribute(name) { return try strings(attribute: name) }
        var result: [String] = []
        var index = 0
        while hasAttribute("\(name)\(index)") {
            result += try strings(attribute: "\(name)\(index)")
            index += 1
        }
        return result
    }

    public func hasChunkedAttribute(_ name: String) -> Bool { hasAttribute(name) || hasAttribute("\(name)0") }
}
