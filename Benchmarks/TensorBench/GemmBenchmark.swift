import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif
import Tensor

/// GFLOP/s of Zoo's GEMM (weights prepacked, as at inference) and of OpenBLAS `cblas_sgemm` on the
/// distinct `shapes` (M, N, K), named by `title`.
func benchmarkGemm(_ title: String, shapes: [(m: Int, n: Int, k: Int)], threads: [Int], repeats: Int) throws {
    print("## GEMM GFLOP/s on \(title) (wall: best of \(repeats), median; per CPU-second: best)")
    print("OpenBLAS core: \(String(cString: openblas_get_corename())). Zoo's weights are prepacked (as at inference); OpenBLAS packs per call.")
    print("|     M |   N |    K | threads | Zoo best | median | per CPU-s | OpenBLAS best | median | per CPU-s |")
    print("|------:|----:|-----:|--------:|---------:|-------:|----------:|--------------:|-------:|----------:|")
    var seen: Set<String> = []
    for (m, n, k) in shapes {
        guard seen.insert("\(m),\(n),\(k)").inserted else { continue }
        let a = try Tensor(shape: [m, k], values: randomValues(m * k, seed: 1))
        let b = try Tensor(shape: [k, n], values: randomValues(k * n, seed: 2))
        let c = try Tensor(shape: [m, n])
        let zoo = try Dense(kernel: b, bias: nil)
        let workspace = Workspace()
        let flops = 2 * Double(m) * Double(n) * Double(k)
        for count in threads {
            Parallelism.workers = count
            let ours = try Timing(repeats: repeats, threads: count) { try zoo.forward(a, into: c, workspace: workspace) }
            openblas_set_num_threads(Int32(count))
            let blas = Timing(repeats: repeats, threads: count) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                            1, a.pointer, blasint(k), b.pointer, blasint(n), 0, c.pointer, blasint(n))
            }
            parkOpenBLASThreads()
            let cells = [ours, blas].map { timing in
                [timing.gflops(flops), flops / timing.median / 1e9, flops / timing.bestCPU / 1e9].map { pad(format($0), 6) }
            }
            print("| \(pad("\(m)", 5)) | \(pad("\(n)", 3)) | \(pad("\(k)", 4)) | \(pad("\(count)", 7)) | "
                + "\(pad(cells[0][0], 8)) | \(cells[0][1]) | \(pad(cells[0][2], 9)) | \(pad(cells[1][0], 13)) | \(cells[1][1]) | \(pad(cells[1][2], 9)) |")
        }
    }
    Parallelism.workers = 0
}

/// OpenBLAS's pool threads spin for a while after each call; they would steal a core from the next
/// measurement (and count as this process's CPU time), so wait until they go to sleep.
func parkOpenBLASThreads() {
    openblas_set_num_threads(1)
    usleep(200_000)
}
