// Times Zoo's image loading on one thread for Benchmarks/data_pipeline.sh:
//   load          read + decode + Pillow-exact nearest resize + RGB Float32 (Keras' load_img + img_to_array)
//   load+augment  the same, then the notebooks' ImageDataGenerator augmentation (the TB preset for
//                 PNG inputs, the melanoma preset for JPEG inputs), with fresh random parameters each time
// Prints one JSON object per line: {"file", "size", "variant", "images_per_second", "iterations"}.
//
// Each rate is the best of three rounds of SECONDS.
//
// Usage: DataBench SECONDS SIZE[,SIZE...] FILE...
import Bench
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 4, let seconds = Double(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: DataBench SECONDS SIZE[,SIZE...] FILE...\n".utf8))
    exit(2)
}
let sizes = arguments[2].split(separator: ",").compactMap { Int($0) }
let files = arguments.dropFirst(3).map { URL(fileURLWithPath: $0) }

/// Runs `work` in three rounds of at least `seconds` each after two warm-up calls and returns the
/// best round's rate (the machine is shared: the best round is the least disturbed) and the total
/// number of iterations.
func measure(_ work: () throws -> Float) rethrows -> (Double, Int) {
    var checksum: Float = 0  // keeps the optimiser from dropping the work
    for _ in 0..<2 { checksum += try work() }
    var best = 0.0, total = 0
    for _ in 0..<3 {
        var iterations = 0
        let start = Date()
        repeat {
            checksum += try work()
            iterations += 1
        } while Date().timeIntervalSince(start) < seconds
        best = max(best, Double(iterations) / Date().timeIntervalSince(start))
        total += iterations
    }
    if checksum.isNaN { print("checksum NaN") }
    return (best, total)
}

do {
    for file in files {
        let augmentation: AugmentationConfig = file.pathExtension.lowercased() == "png" ? .tuberculosisNotebooks : .melanomaNotebook
        for size in sizes {
            let loader = ImageLoader(targetSize: .init(width: size, height: size), interpolation: .nearest)
            var generator = SeededGenerator(seed: 2019)
            let variants: [(String, () throws -> Float)] = [
                ("load", { try loader.load(file: file).pixels[0] }),
                ("load+augment", { augmentation.augment(try loader.load(file: file), using: &generator).pixels[0] }),
            ]
            for (variant, work) in variants {
                let (rate, iterations) = try measure(work)
                print("{\"file\": \"\(file.lastPathComponent)\", \"size\": \(size), \"variant\": \"\(variant)\", "
                    + "\"images_per_second\": \(rate), \"iterations\": \(iterations)}")
            }
        }
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
