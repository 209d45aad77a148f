import Converter
import Foundation

/// `zoo bench plan`: a sweep expanded into numbered tasks (docs/sweeps.md). The file holds everything a task needs
/// besides the Zoo binary and the bases' weights: the recipes themselves, the datasets' absolute paths, the
/// protocols, seeds and folds, so a cluster node runs task I from the plan alone. The same selection and Zoo give
/// the same file, byte for byte.
public struct SweepPlan: Codable, Sendable, Equatable {
    public static let currentFormat = "zoo-bench-plan/1"

    public var format: String
    public var zooVersion: String
    public var zooCommit: String
    /// SHA-256 of the selection and the tasks (not of the Zoo version): the sweep's name. Shards carry it, and
    /// `zoo bench merge` refuses shards of another plan unless told.
    public var planHash: String
    public var selection: Selection
    public var tasks: [SweepTask]

    /// What `zoo bench` would be asked to run.
    public struct Selection: Codable, Sendable, Equatable {
        /// The recipes as read; `quick` applies their quick schedule at run time, as `zoo bench --quick` does.
        public var recipes: [Recipe]
        /// Real datasets by kind (absolute paths); a kind without one uses the synthetic set of `syntheticImages`.
        public var data: [String: String]
        public var protocols: [BenchProtocol]
        public var splitFiles: [String: [String]]
        public var folds: Int?
        public var seeds: [UInt64]
        public var quick: Bool
        public var syntheticImages: Int
    }

    /// The plan of `settings`' units, each with its resources (`TaskResources.estimate`, with `overrides`).
    public static func make(_ settings: BenchSuite.Settings, resources overrides: TaskResources.Overrides = .init()) throws -> SweepPlan {
        let selection = Selection(
            recipes: settings.recipes, data: Dictionary(uniqueKeysWithValues: settings.data.map { ($0.key.rawValue, $0.value.path) }),
            protocols: settings.protocols,
            splitFiles: Dictionary(uniqueKeysWithValues: settings.splitFiles.map { ($0.key.rawValue, $0.value.map(\.path)) }),
            folds: settings.folds, seeds: settings.seeds, quick: settings.quick, syntheticImages: settings.syntheticImages)
        let recipes = Dictionary(settings.recipes.map { settings.quick ? $0.quickSchedule : $0 }.map { ($0.name, $0) }) { first, _ in first }
        let tasks = try BenchSuite(settings).units().enumerated().map { index, unit in
            guard let recipe = recipes[unit.recipe] else { throw BenchError("no recipe '\(unit.recipe)' in the selection") }
            let identity = TaskIdentity(unit: unit, recipeSHA256: try recipe.digest,
                                        data: selection.data[recipe.dataset.rawValue] ?? "synthetic \(selection.syntheticImages)",
                                        splitFiles: selection.splitFiles[recipe.dataset.rawValue] ?? [], folds: selection.folds)
            return SweepTask(index: index, id: String(try Self.sha256(identity).prefix(16)), unit: unit, label: unit.label,
                             resources: TaskResources.estimate(recipe, unit: unit, overrides: overrides))
        }
        let hashed = Hashed(format: currentFormat, selection: selection, tasks: tasks)
        return SweepPlan(format: currentFormat, zooVersion: Conversion.converterVersion, zooCommit: Machine.current.commit,
                         planHash: try Self.sha256(hashed), selection: selection, tasks: tasks)
    }

    /// The suite settings a task runs with: the plan's selection, and where this node keeps its output, features and
    /// references.
    public func settings(out: URL, featureCache: FeatureCache?, references: URL?, activations: URL?, quiet: Bool) throws -> BenchSuite.Settings {
        func kind(_ name: String) throws -> Recipe.DatasetKind {
            guard let kind = Recipe.DatasetKind(rawValue: name) else { throw BenchError("plan: unknown dataset kind '\(name)'") }
            return kind
        }
        return BenchSuite.Settings(
            recipes: selection.recipes,
            data: Dictionary(uniqueKeysWithValues: try selection.data.map { (try kind($0.key), URL(fileURLWithPath: $0.value)) }),
            protocols: selection.protocols,
            splitFiles: Dictionary(uniqueKeysWithValues: try selection.splitFiles.map { (try kind($0.key), $0.value.map { URL(fileURLWithPath: $0) }) }),
            folds: selection.folds, seeds: selection.seeds, quick: selection.quick, out: out, references: references,
            activations: activations, featureCache: featureCache, resume: true, quiet: quiet, syntheticImages: selection.syntheticImages)
    }

    /// Task `index`, or an error naming the plan's range.
    public func task(_ index: Int) throws -> SweepTask {
        guard tasks.indices.contains(index) else {
            throw BenchError("task \(index): the plan has tasks 0 to \(tasks.count - 1)")
        }
        return tasks[index]
    }

    public static func read(_ url: URL) throws -> SweepPlan {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw BenchError("\(url.path): cannot read the plan (\(error.localizedDescription))")
        }
        let plan: SweepPlan
        do { plan = try JSONDecoder().decode(SweepPlan.self, from: data) } catch {
            throw BenchError("\(url.path): not a zoo bench plan (\(error))")
        }
        guard plan.format == currentFormat else {
            throw BenchError("\(url.path): plan format '\(plan.format)', this Zoo reads '\(currentFormat)'")
        }
        guard try sha256(Hashed(format: plan.format, selection: plan.selection, tasks: plan.tasks)) == plan.planHash else {
            throw BenchError("\(url.path): the plan's contents do not match its plan_hash (edited by hand?); make it again with zoo bench plan")
        }
        return plan
    }

    public func write(to url: URL) throws {
        try AtomicFile.write(try encoded(), to: url)
    }

    /// The plan file's bytes (what `write(to:)` writes), for a caller that writes it along with other files.
    public func encoded() throws -> Data {
        try Self.encoder.encode(self) + Data("\n".utf8)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }

    static func sha256(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ContentHash.sha256Hex(of: try encoder.encode(value))
    }

    /// What the plan hash covers.
    private struct Hashed: Encodable {
        let format: String
        let selection: Selection
        let tasks: [SweepTask]
    }

    /// What a task's identifier hashes: the unit and everything that decides its results, so two plans that share a
    /// run give it the same identifier.
    private struct TaskIdentity: Encodable {
        let unit: SweepUnit
        let recipeSHA256: String
        let data: String
        let splitFiles: [String]
        let folds: Int?
    }

    enum CodingKeys: String, CodingKey {
        case format, zooVersion = "zoo_version", zooCommit = "zoo_commit", planHash = "plan_hash", selection, tasks
    }
}

/// One numbered task of a plan.
public struct SweepTask: Codable, Sendable, Equatable {
    /// 0-based: the Slurm array index, the Kubernetes completion index.
    public var index: Int
    /// 16 hex digits of the task identity's SHA-256.
    public var id: String
    public var unit: SweepUnit
    public var label: String
    public var resources: TaskResources
}

/// What one task asks the scheduler for.
public struct TaskResources: Codable, Sendable, Equatable {
    public var cpus: Int
    public var memoryMB: Int
    public var minutes: Int

    /// `zoo bench plan --task-cpus/--task-memory-mb/--task-minutes`: the estimate replaced where given.
    public struct Overrides: Sendable {
        public var cpus: Int?
        public var memoryMB: Int?
        public var minutes: Int?
        public init(cpus: Int? = nil, memoryMB: Int? = nil, minutes: Int? = nil) {
            self.cpus = cpus
            self.memoryMB = memoryMB
            self.minutes = minutes
        }
    }

    /// A rough, generous estimate from the recipe: memory for the base's weights and optimizer state plus one batch
    /// of activations kept for the backward pass at the recipe's input size (fine-tuning runs end to end); time from
    /// the epochs at that size. Schedulers kill what exceeds its request, so it errs high; the overrides fix it.
    static func estimate(_ recipe: Recipe, unit: SweepUnit, overrides: Overrides) -> TaskResources {
        let scale = Double(recipe.input.size * recipe.input.size) / Double(224 * 224)
        let weightsByArchitecture: [String: Double] = ["vgg16": 600, "vgg19": 700, "resnet50": 400]
        let weightsMB = weightsByArchitecture[recipe.base.architecture] ?? 700
        let activationsMB = 120 * scale * Double(recipe.training.batchSize)
        let memory = Int(((1024 + weightsMB + activationsMB) / 256).rounded(.up)) * 256
        let epochs = Double(recipe.training.epochs + 3 * (recipe.fineTune?.epochs ?? 0))
        let minutes = unit.work == .latency ? 10 : max(10, Int((epochs * scale * 3).rounded(.up)))
        return TaskResources(cpus: overrides.cpus ?? 2, memoryMB: overrides.memoryMB ?? memory, minutes: overrides.minutes ?? minutes)
    }

    enum CodingKeys: String, CodingKey { case cpus, memoryMB = "memory_mb", minutes }
}
