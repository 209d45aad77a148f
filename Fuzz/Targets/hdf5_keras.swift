@testable import Converter

/// HDF5 open-and-index of a Keras checkpoint through libhdf5: every attribute and group the index
/// reads, and each weight's storage (the step `zoo convert` runs before any data).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5Keras(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.file(data, size, suffix: "h5")
    guard let checkpoint = try? KerasCheckpoint(path: path) else { return 0 }
    for group in checkpoint.groups {
        for weight in group.weights { _ = weight.dataset.contiguousFloat32Range }
    }
    return 0
}
