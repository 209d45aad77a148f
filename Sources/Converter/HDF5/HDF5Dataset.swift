import CHDF5

/// A numeric dataset: its shape, and its values read as float32 straight into a caller's buffer.
public final class HDF5Dataset: @unchecked Sendable {
    public let shape: [Int]
    public let place: String
    private let group: HDF5Group
    private let id: hid_t
    private let storage: Storage

    /// `integer`: Normalization's `count` (int64), the one integer weight Keras writes; read as float32 like the rest,
    /// exact up to 2^24.
    enum Storage { case float, bfloat16, integer, nonNumeric }

    init(group: HDF5Group, name: String) throws {
        let id = H5Dopen2(group.id, name, zoo_h5p_default())
        guard id >= 0 else { throw group.error("cannot open dataset", at: name) }
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: max(rank, 0))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        // The file declares the shape: a damaged or hostile one must not overflow the element count
        // that sizes every buffer and range below.
        let shape = dims.compactMap { Int(exactly: $0) }
        guard shape.count == dims.count, let count = Converter.elementCount(of: shape), !count.multipliedReportingOverflow(by: 4).overflow else {
            H5Dclose(id)
            throw group.error("declares the shape \(dims), more elements than fit in memory (damaged file?)", at: name)
        }
        self.id = id
        self.group = group
        self.place = group.child(name)
        self.shape = shape
        let type = H5Dget_type(id)
        defer { H5Tclose(type) }
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            storage = .float
        case H5T_INTEGER where H5Tget_size(type) == 2 && HDF5Dataset.isBFloat16(id):
            // Keras 3 stores bfloat16 variables as 16-bit words tagged @dtype="bfloat16".
            storage = .bfloat16
        case H5T_INTEGER:
            storage = .integer
        default:
            storage = .nonNumeric
        }
    }

    deinit { H5Dclose(id) }

    public var elementCount: Int { shape.reduce(1, *) }

    /// Where the values sit in the file when they are stored as plain little-endian float32 in
    /// one contiguous, unfiltered block (how Keras writes every weight): then they can be taken
    /// straight from a mapping of the file instead of copied through libhdf5.
    public var contiguousFloat32Range: Range<Int>? {
        let type = H5Dget_type(id), plist = H5Dget_create_plist(id)
        defer { H5Tclose(type); H5Pclose(plist) }
        let offset = H5Dget_offset(id)
        guard offset != haddr_t.max, H5Tequal(type, zoo_h5t_ieee_f32le()) > 0, H5Pget_nfilters(plist) == 0,
              H5Dget_storage_size(id) == hsize_t(elementCount * 4) else { return nil }
        return Int(offset)..<(Int(offset) + elementCount * 4)
    }

    /// Reads every value as float32 (libhdf5 converts float16/float64 exactly or rounds to nearest).
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws {
        precondition(buffer.count >= elementCount, "buffer too small for \(place)")
        let problem = ConversionError(file: group.file.displayName, place: place, "cannot read the data (truncated or damaged file)")
        switch storage {
        case .float, .integer:
            guard H5Dread(id, zoo_h5t_native_float(), zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), buffer.baseAddress) >= 0
            else { throw problem }
        case .bfloat16:
            // Read the 16-bit words into the upper half of the buffer, then widen in place from the front.
            let words = UnsafeMutableRawPointer(buffer.baseAddress!).bindMemory(to: UInt16.self, capacity: elementCount * 2)
            let upper = words + elementCount
            guard H5Dread(id, zoo_h5t_native_ushort(), zoo_h5s_all(), zoo_h5s_all(), zoo_h5p_default(), upper) >= 0
            else { throw problem }
            let bits = UnsafeMutableRawPointer(buffer.baseAddress!).bindMemory(to: UInt32.self, capacity: elementCount)
            for index in 0..<elementCount { bits[index] = UInt32(upper[index]) << 16 }
        case .nonNumeric:
            throw ConversionError(file: group.file.displayName, place: place, "holds non-numeric data where a float weight was expected")
        }
    }

    private static func isBFloat16(_ id: hid_t) -> Bool {
        guard H5Aexists(id, "dtype") > 0 else { return false }
        let attribute = H5Aopen(id, "dtype", zoo_h5p_default())
        guard attribute >= 0 else { return false }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING, H5Tis_variable_str(type) > 0 else { return false }
        let memoryType = H5Tcopy(zoo_h5t_c_s1())
        defer { H5Tclose(memoryType) }
        H5Tset_size(memoryType, zoo_h5t_variable())
        var pointer: UnsafeMutablePointer<CChar>? = nil
        guard H5Aread(attribute, memoryType, &pointer) >= 0, let pointer else { return false }
        defer { H5free_memory(pointer) }
        return String(cString: pointer) == "bfloat16"
    }
}
