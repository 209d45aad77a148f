/// Text as one POSIX shell word: single-quoted, a quote inside written as `'\''`. For the commands Zoo prints or
/// writes for people and schedulers to run (sweep scripts, `zoo fetch`'s next step), whatever the paths hold.
public func shellWord(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
