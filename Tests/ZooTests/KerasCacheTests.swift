import Converter
import Foundation
import Testing
import Zoo

/// Keras' cache as `zoo bench` and `zoo fetch` read it: the folders in Keras' order, a copy used only when its hash
/// matches, a damaged copy refused with both hashes, and the download folder Keras itself would choose.
@Suite struct KerasCacheTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-keras-cache-\(UUID().uuidString)")
    var kerasHome: URL { root.appendingPathComponent("keras-home") }
    var home: URL { root.appendingPathComponent("home") }
    var temporary: URL { root.appendingPathComponent("tmp") }
    var cache: KerasCache { KerasCache(environment: ["KERAS_HOME": kerasHome.path, "HOME": home.path], temporaryRoot: temporary.path) }

    /// RFC 1321's and FIPS 180-2's digests of "abc".
    static let abcMD5 = "900150983cd24fb0d6963f7d28e17f72"
    static let abcSHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    private func place(_ text: String, in folder: URL, as name: String) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    @Test func searchesKerasHomeThenHomeThenTmp() {
        #expect(cache.searchDirectories.map(\.path) == [kerasHome.path + "/models", home.path + "/.keras/models", temporary.path + "/.keras/models"])
        let withoutKerasHome = KerasCache(environment: ["HOME": home.path], temporaryRoot: temporary.path)
        #expect(withoutKerasHome.searchDirectories.map(\.path) == [home.path + "/.keras/models", temporary.path + "/.keras/models"])
    }

    @Test func hashAlgorithmFollowsKerasAutoRule() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try place("abc", in: root, as: "abc.txt")
        #expect(try KerasFileHash(Self.abcMD5).digest(ofFileAt: file.path) == Self.abcMD5)
        #expect(try KerasFileHash(Self.abcSHA256.uppercased()).digest(ofFileAt: file.path) == Self.abcSHA256)
        #expect(throws: KerasFileHashError.self) { try KerasFileHash("abc123") }
    }

    /// A copy with another hash is never used: a good copy further down the search wins, and with none the error
    /// names the file, both hashes and the fix.
    @Test func wrongHashCopyIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let damaged = try place("abd", in: kerasHome.appendingPathComponent("models"), as: "w.h5")
        let hash = try KerasFileHash(Self.abcMD5)
        #expect(throws: Error.self) { try cache.file(named: "w.h5", hash: hash, fetchHint: "fetch it") }
        do {
            _ = try cache.file(named: "w.h5", hash: hash, fetchHint: "fetch it")
        } catch {
            let actual = try KerasFileHash(Self.abcMD5).digest(ofFileAt: damaged.path)
            #expect("\(error)" == "\(damaged.path): md5 is \(actual), not the published \(Self.abcMD5): the file is damaged or not the published one, so it is not used; delete it, or fetch it")
        }
        let good = try place("abc", in: temporary.appendingPathComponent(".keras/models"), as: "w.h5")
        #expect(try cache.file(named: "w.h5", hash: hash, fetchHint: "fetch it") == good)
        #expect(try cache.file(named: "absent.h5", hash: hash, fetchHint: "fetch it") == nil)
    }

    /// What `zoo bench` asks for a base: nothing when the cache is empty, a refusal that says `zoo fetch NAME` when
    /// the cached file is not the published one.
    @Test func registryLookupRefusesDamagedPublishedFile() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let entry = try #require(Registry.entry(named: "vgg16-notop"))
        #expect(try entry.cachedPublishedWeights(in: cache) == nil)
        _ = try place("not the weights", in: home.appendingPathComponent(".keras/models"), as: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
        do {
            _ = try entry.cachedPublishedWeights(in: cache)
            Issue.record("a damaged cached file was used")
        } catch {
            #expect("\(error)".contains("not the published 6d6bbae143d832006294945121d1f1fc"), "\(error)")
            #expect("\(error)".hasSuffix("run `zoo fetch vgg16-notop` to download the published file"), "\(error)")
        }
    }

    /// Downloads go where Keras would put them: $KERAS_HOME/models, or /tmp/.keras/models when that cannot be written.
    @Test func downloadDirectoryIsKerasOwn() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try cache.downloadDirectory().path == kerasHome.path + "/models")
        let blocker = try place("a file, not a folder", in: root, as: "blocker")
        let unwritable = KerasCache(environment: ["KERAS_HOME": blocker.appendingPathComponent("keras").path, "HOME": home.path],
                                    temporaryRoot: temporary.path)
        #expect(try unwritable.downloadDirectory().path == temporary.path + "/.keras/models")
    }
}
