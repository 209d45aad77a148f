import Foundation
import Testing
import TestSupport
@testable import Bench

/// report.html in a real browser: headless Chromium renders it (a screenshot), the DOM it builds holds every
/// table and every plot, and its console shows no error. Chromium comes from scripts/system-deps.sh.
@Suite struct ReportBrowserTests {
    static func chromium() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        throw TestEnvironment.Missing(description: "chromium is not installed: the report's browser test needs it; run scripts/system-deps.sh (as root it installs it)")
    }

    /// Chromium with a throwaway profile, headless, no network needed.
    static func browse(_ chromium: String, profile: URL, _ arguments: [String], page: URL) throws -> TestEnvironment.Result {
        try TestEnvironment.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                                           "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0"]
                                           + arguments + [page.absoluteString])
    }

    @Test func chromiumRendersEveryTableAndPlotWithoutConsoleErrors() throws {
        let chromium = try Self.chromium()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-report-browser-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = BenchReport(runs: try ReportFixtures.runs(), latency: ReportFixtures.latency, context: ReportFixtures.context)
        let written = try report.write(to: directory)
        let page = directory.appendingPathComponent("report.html")
        #expect(written.last == page)
        let plotNames = written.filter { $0.pathExtension == "svg" }.map(\.lastPathComponent)
        #expect(plotNames.count == 15)  // 4 configurations × (learning, learning rate), 3 scored × (ROC, PR), latency

        let screenshot = directory.appendingPathComponent("screenshot.png")
        let shot = try Self.browse(chromium, profile: directory.appendingPathComponent("profile-1"),
                                   ["--screenshot=\(screenshot.path)", "--window-size=1280,2000", "--hide-scrollbars"], page: page)
        #expect(shot.status == 0, "chromium --screenshot failed: \(shot.stderr.suffix(2000))")
        let png = try #require(FileManager.default.contents(atPath: screenshot.path), "no screenshot written")
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "the screenshot is not a PNG")
        // IHDR: width and height, big-endian, at bytes 16..<24.
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1280 && height == 2000, "screenshot is \(width)×\(height)")
        #expect(png.count > 50_000, "a \(png.count)-byte screenshot is too small to hold the rendered tables and plots")

        let dump = try Self.browse(chromium, profile: directory.appendingPathComponent("profile-2"), ["--dump-dom"], page: page)
        #expect(dump.status == 0, "chromium --dump-dom failed: \(dump.stderr.suffix(2000))")
        let dom = dump.stdout
        for id in ["headline", "accuracy-summary", "accuracy-runs", "latency", "provenance", "plots", "report-notes"] {
            #expect(dom.contains("id=\"\(id)\""), "the rendered page lacks section \(id)")
        }
        #expect(dom.components(separatedBy: "<table>").count - 1 == 5, "five tables")
        #expect(dom.components(separatedBy: "<svg ").count - 1 == plotNames.count, "one inline SVG per plot")
        for name in plotNames { #expect(dom.contains("id=\"plot-\(name)\""), "the page lacks plot \(name)") }
        #expect(dom.contains("class=\"band\""), "the ROC/PR bands are drawn")
        #expect(!dom.contains("<script"), "no script reached the page")
        #expect(dom.contains("&lt;script&gt;"), "the hostile note is shown as text")

        // Self-contained: no attribute points outside the page.
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.contains("src="), "the page loads an external resource")
        #expect(html.components(separatedBy: "href=\"").dropFirst().allSatisfy { $0.hasPrefix("#") }, "a link leaves the page")

        // The console check is not vacuous: this Chromium does print a page's console errors on stderr.
        let control = directory.appendingPathComponent("control.html")
        try Data("<!DOCTYPE html><title>control</title><script>console.error('zoo-control-error')</script>".utf8).write(to: control)
        let controlRun = try Self.browse(chromium, profile: directory.appendingPathComponent("profile-3"), ["--dump-dom"], page: control)
        #expect(controlRun.stderr.contains("CONSOLE") && controlRun.stderr.contains("zoo-control-error"),
                "chromium no longer prints console messages with --enable-logging=stderr; the console check below would miss errors")

        for output in [shot.stderr, dump.stderr] {
            let console = output.split(separator: "\n").filter { $0.contains("CONSOLE") }
            #expect(console.isEmpty, "the page logged to the console: \(console)")
            let failures = output.split(separator: "\n").filter { $0.contains("ERR_") || $0.contains("Failed to load") }
            #expect(failures.isEmpty, "the page failed to load something: \(failures)")
        }
    }
}
