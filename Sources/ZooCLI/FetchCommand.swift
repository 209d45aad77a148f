import ArgumentParser
import Bench
import Converter
import Foundation
import Zoo

struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download the published keras.applications ImageNet weights into Keras' cache, checking their hash.",
        discussion: """
            A file already in Keras' cache ($KERAS_HOME/models, ~/.keras/models, /tmp/.keras/models) with the \
            published hash is used as it is; one with another hash is never used. Downloads go to the folder Keras \
            itself would use (or --to DIR), through DIR/FILE.partial, which a later run resumes; the file appears \
            under its real name only once its hash matches. Prints each file's path on standard output (docs/fetch.md).

            Examples:
              zoo fetch vgg16-notop
              zoo fetch resnet50 --to weights/
            """
    )

    @Argument(help: "Registry names with published weights (vgg16, resnet50-notop, densenet121, efficientnetb3, ...: zoo fetch --list shows them all).")
    var names: [String] = []
    @Flag(help: "List the published files: name, file, size, hash, and whether Keras' cache has them.") var list = false
    @Option(help: "Folder to download into (default: Keras' cache folder).") var to: String?
    @Option(help: "Download from this URL instead (a mirror); the file keeps its published name. One NAME only.") var url: String?
    @Option(help: "Expected MD5 (32 hex digits) or SHA-256 (64) instead of the published one. One NAME only.") var hash: String?
    @Option(help: "Give up when no data arrives for this many seconds (the partial file is kept for resuming).") var timeout = 60
    @Flag(help: "No progress lines (CI logs); errors are still reported.") var quiet = false

    func validate() throws {
        if list {
            guard names.isEmpty, url == nil, hash == nil, to == nil else { throw ValidationError("--list takes no names and no other options") }
            return
        }
        guard !names.isEmpty else { throw ValidationError("name the weights to fetch (zoo fetch --list shows them)") }
        if (url != nil || hash != nil) && names.count != 1 { throw ValidationError("--url and --hash apply to one NAME at a time") }
        if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) { throw ValidationError("--url must be an http:// or https:// URL: \(url)") }
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
    }

    func run() throws {
        do {
            if list {
                print(try listing())
                return
            }
            for name in names {
                let file = try fetch(name)
                print(file.path)
                // The next step, ready to paste: the published files are weights only, so the converter needs the name.
                if !quiet { report("convert it with: zoo convert \(shellWord(file.path)) --arch \(name) -o \(name).safetensors") }
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(error)
        }
    }

    /// The verified file for `name`: already cached, or downloaded now.
    private func fetch(_ name: String) throws -> URL {
        let published = try Self.publishedWeights(name)
        let expected = try hash.map(KerasFileHash.init) ?? published.hash
        let cache = KerasCache()
        let directory: URL
        var replacing: String?
        if let to {
            directory = URL(fileURLWithPath: to)
            try FilePaths.prepareFolder(to, role: "weights")
            let target = directory.appendingPathComponent(published.fileName)
            if FileManager.default.fileExists(atPath: target.path) {
                let actual = try expected.digest(ofFileAt: target.path)
                if actual == expected.hex { return alreadyThere(target) }
                replacing = "\(target.path): \(expected.algorithm.rawValue) is \(actual), not \(expected.hex): downloading the right file to replace it"
            }
        } else {
            let found = try cache.lookup(fileName: published.fileName, hash: expected)
            if let verified = found.verified { return alreadyThere(verified) }
            for refused in found.refused {
                report("\(refused.file.path): \(expected.algorithm.rawValue) is \(refused.actual), not \(expected.hex): not used")
            }
            directory = try cache.downloadDirectory()
        }

        try checkDownloadable(directory.appendingPathComponent(published.fileName))
        if let replacing { report(replacing) }
        let source = url ?? published.url
        let download = WeightsDownload(url: source, destination: directory.appendingPathComponent(published.fileName), hash: expected,
                                       timeout: timeout, progress: quiet ? nil : DownloadProgress(label: published.fileName))
        if !quiet { report("downloading \(source)") }
        let summary = try download.run()
        if !quiet {
            let received = summary.bytes - summary.resumedFrom
            let rate = received > 0 ? ", \(DownloadProgress.bytes(Int(Double(received) / max(summary.seconds, 1e-3))))/s" : ""
            let resumed = summary.resumedFrom > 0 ? ", resumed from byte \(summary.resumedFrom.formatted())" : ""
            report("\(download.destination.path): \(summary.bytes.formatted()) bytes, \(expected) verified (\(String(format: "%.1f", summary.seconds)) s\(rate)\(resumed))")
        }
        return download.destination
    }

    /// The verified download is renamed to `file`: a symbolic link there would be replaced and the file it points to
    /// left as it was, so one is refused (fetch has no --force) with the file to give instead, as is a name that is
    /// a folder; an existing file with the wrong hash is replaced.
    private func checkDownloadable(_ file: URL) throws {
        try FilePaths.checkWritable(file.path, role: "weights", existing: .replace)
    }

    private func alreadyThere(_ file: URL) -> URL {
        if !quiet { report("\(file.path): already there, hash verified") }
        return file
    }

    /// The table of `--list`: every published file and where (whether) Keras' cache has it.
    private func listing() throws -> String {
        let cache = KerasCache()
        var rows = [["name", "file", "bytes", "md5", "cached"]]
        for entry in Registry.entries {
            guard let published = entry.publishedWeights else { continue }
            let found = try cache.lookup(fileName: published.fileName, hash: published.hash)
            let cached = found.verified?.path
                ?? found.refused.first.map { "REFUSED: \($0.file.path) has md5 \($0.actual)" }
                ?? "no"
            rows.append([entry.name, published.fileName, published.bytes?.formatted() ?? "unknown", published.md5, cached])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 2 ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    private static func publishedWeights(_ name: String) throws -> RegistryEntry.PublishedWeights {
        // Every architecture with published weights has them with and without its top: "vgg16[-notop]".
        let available = Registry.entries.filter { $0.publishedWeights != nil && !$0.name.hasSuffix("-notop") }
            .map { "\($0.name)[-notop]" }.joined(separator: ", ")
        guard let entry = Registry.entry(named: name) else {
            throw CommandFailure("unknown name '\(name)' (published weights: \(available))")
        }
        guard let published = entry.publishedWeights else {
            throw CommandFailure("\(name) has no published weights with a hash to check them by: keras.applications publishes \(available)")
        }
        return published
    }

    private func report(_ message: String) {
        StandardError.print(message)
    }
}
