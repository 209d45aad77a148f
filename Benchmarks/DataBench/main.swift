// Times Zoo's image loading (read + decode + Pillow-exact nearest resize + Float RGB, what Keras'
// load_img + img_to_array do) on one thread, for Benchmarks/data_pipeline.sh. Prints one JSON
// object per line: {"file", "size", "images_per_second", "milliseconds", "iterations"}.
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

for file in files {
    for size in sizes {
        let loader = ImageLoader(targetSize: .init(width: size, height: size), interpolation: .nearest)
        do {
            var checksum: Float = 0
            for _ in 0..<2 { checksum += try loader.load(file: file).pixels[0] }  // warm-up
            var iterations = 0
            let start = Date()
            repeat {
                checksum += try loader.load(file: file).pixels[0]
                iterations += 1
            } while Date().timeIntervalSince(start) < seconds
            let elapsed = Date().timeIntervalSince(start)
            let milliseconds = 1000 * elapsed / Double(iterations)
            print("{\"file\": \"\(file.lastPathComponent)\", \"size\": \(size), \"images_per_second\": \(Double(iterations) / elapsed), "
                + "\"milliseconds\": \(milliseconds), \"iterations\": \(iterations), \"checksum\": \(checksum)}")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(1)
        }
    }
}
