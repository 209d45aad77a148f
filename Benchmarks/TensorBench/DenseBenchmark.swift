import COpenBLAS
import Tensor

/// VGG16's fully connected layers at batch 1: each weight is read once, so the rate that matters is GB/s
/// of weights streamed. OpenBLAS `cblas_sgemv` on the unpacked `(in, out)` kernel is the comparison.
func benchmarkDense(threads: [Int], repeats: Int) throws {
    print("## VGG16 dense layers, batch 1: best ms of \(repeats) (GB/s of weights read)")
    print("| layer       | in x out     | threads | Zoo             | OpenBLAS sgemv  |")
    print("|-------------|--------------|--------:|----------------:|----------------:|")
    for (name, inputs, outputs) in [("fc1", 25088, 4096), ("fc2", 4096, 4096), ("predictions", 4096, 1000)] {
        let kernel = try Tensor(shape: [inputs, outputs])
        for row in 0..<inputs {
            randomValues(outputs, seed: UInt64(row)).withUnsafeBufferPointer {
                (kernel.pointer + row * outputs).update(from: $0.baseAddress!, count: outputs)
            }
        }
        let dense = try Dense(kernel: kernel, bias: nil)
        let x = try Tensor(shape: [1, inputs], values: randomValues(inputs, seed: 7))
        let y = try Tensor(shape: [1, outputs])
        let workspace = Workspace()
        let bytes = Double(inputs * outputs * 4)
        for count in threads {
            Parallelism.workers = count
            let ours = try Timing(repeats: repeats, threads: count) { try dense.forward(x, into: y, workspace: workspace) }
            openblas_set_num_threads(Int32(count))
            let blas = Timing(repeats: repeats, threads: count) {
                // y = x * W with W row-major (in, out) is W^T x.
                cblas_sgemv(CblasRowMajor, CblasTrans, blasint(inputs), blasint(outputs), 1, kernel.pointer, blasint(outputs),
                            x.pointer, 1, 0, y.pointer, 1)
            }
            parkOpenBLASThreads()
            let cells = [ours, blas].map { "\(pad(format($0.best * 1e3, 2), 6)) (\(pad(format(bytes / $0.best / 1e9, 1), 5)))" }
            print("| \(name.padding(toLength: 11)) | \("\(inputs) x \(outputs)".padding(toLength: 12)) | \(pad("\(count)", 7)) | "
                + "\(pad(cells[0], 15)) | \(pad(cells[1], 15)) |")
        }
    }
    Parallelism.workers = 0
}
