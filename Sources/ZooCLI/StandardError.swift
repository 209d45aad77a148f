import Foundation

/// Lines for the user that are not the command's output: warnings, skipped inputs, progress. Standard output stays
/// clean for what a script reads.
enum StandardError {
    static func print(_ line: String) {
        write(line + "\n")
    }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
