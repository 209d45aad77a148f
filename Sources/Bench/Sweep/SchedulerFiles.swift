import Foundation

/// `zoo bench plan --emit slurm|kubernetes|shell`: the scheduler's own files for a plan, written next to it
/// (docs/sweeps.md). Zoo ships no scheduler: these hand the tasks to the one the cluster has.
public struct SchedulerFiles {
    public enum Scheduler: String, CaseIterable, Sendable { case slurm, kubernetes, shell }

    public let plan: SweepPlan
    /// The plan file as the tasks will read it (Slurm, shell: this path on the shared file system).
    public let planFile: URL
    /// Tasks running at once.
    public let parallel: Int
    /// The zoo executable on the nodes (Slurm, shell) or in the image (Kubernetes).
    public let zoo: String
    /// Slurm and shell: the shared folder that gets `out/` (the shards), `features/`, `report/` and `logs/`.
    public let shared: URL
    /// Kubernetes: the container image with zoo, and the PersistentVolumeClaim mounted at /sweep.
    public let image: String
    public let claim: String

    public init(plan: SweepPlan, planFile: URL, parallel: Int, zoo: String, shared: URL, image: String, claim: String) {
        self.plan = plan
        self.planFile = planFile
        self.parallel = max(1, min(parallel, plan.tasks.count))
        self.zoo = zoo
        self.shared = shared
        self.image = image
        self.claim = claim
    }

    /// The files of `scheduler`, next to the plan: where each goes, its text, and whether it is a script to run.
    public func files(_ scheduler: Scheduler) -> [(url: URL, text: String, executable: Bool)] {
        let files: [(String, String, Bool)] = switch scheduler {
        case .slurm: [("slurm-array.sbatch", slurmArray, false), ("slurm-merge.sbatch", slurmMerge, false), ("slurm-submit.sh", slurmSubmit, true)]
        case .kubernetes: [("k8s-job.yaml", kubernetesJob, false), ("k8s-merge.yaml", kubernetesMerge, false), ("k8s-submit.sh", kubernetesSubmit, true)]
        case .shell: [("run-local.sh", shellScript, true)]
        }
        return files.map { name, text, executable in
            (planFile.deletingLastPathComponent().appendingPathComponent("\(stem)-\(name)"), text, executable)
        }
    }

    /// Writes the files of `scheduler` next to the plan and returns them.
    public func write(_ scheduler: Scheduler) throws -> [URL] {
        try files(scheduler).map { url, text, executable in
            try AtomicFile.write(Data(text.utf8), to: url)
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
            return url
        }
    }

    var stem: String { planFile.deletingPathExtension().lastPathComponent }
    var name: String { "zoo-sweep-\(plan.planHash.prefix(8))" }
    var last: Int { plan.tasks.count - 1 }
    /// One request for every task of the array: the largest any task asks for.
    var resources: TaskResources {
        TaskResources(cpus: plan.tasks.map(\.resources.cpus).max() ?? 1, memoryMB: plan.tasks.map(\.resources.memoryMB).max() ?? 1024,
                      minutes: plan.tasks.map(\.resources.minutes).max() ?? 10)
    }

    var header: String {
        "# \(plan.tasks.count) task(s) of \(planFile.lastPathComponent), plan \(plan.planHash.prefix(12)), made by \(plan.zooVersion) (\(plan.zooCommit)).\n"
    }

    /// One task: the command every scheduler runs, with the task number from `index` (a shell expression).
    func runCommand(zoo: String, plan: String, index: String, shared: String) -> String {
        "\(shellWord(zoo)) bench run --plan \(shellWord(plan)) --task \(index) --out \(shellWord(shared + "/out")) --feature-cache \(shellWord(shared + "/features")) --quiet"
    }

    func mergeCommand(zoo: String, plan: String, shared: String) -> String {
        "\(shellWord(zoo)) bench merge --plan \(shellWord(plan)) \(shellWord(shared + "/out")) --out \(shellWord(shared + "/report"))"
    }

    /// A YAML double-quoted scalar (JSON's string syntax, which YAML reads as it is).
    func yamlString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    var slurmArray: String {
        let r = resources
        return """
            #!/bin/bash
            \(header)# One task per array index (SLURM_ARRAY_TASK_ID), at most \(parallel) at once; a task that fails can be
            # resubmitted alone: sbatch --array=I \(stem)-slurm-array.sbatch (it resumes; a finished task is a no-op).
            #SBATCH --job-name=\(name)
            #SBATCH --array=0-\(last)%\(parallel)
            #SBATCH --cpus-per-task=\(r.cpus)
            #SBATCH --mem=\(r.memoryMB)M
            #SBATCH --time=\(r.minutes)
            #SBATCH --output=\(shared.path)/logs/task-%a-%A.out
            set -euo pipefail
            exec \(runCommand(zoo: zoo, plan: planFile.path, index: "\"$SLURM_ARRAY_TASK_ID\"", shared: shared.path))

            """
    }

    var slurmMerge: String {
        """
        #!/bin/bash
        \(header)# The report from every finished shard; submitted with --dependency=afterany on the array (slurm-submit.sh),
        # so it runs even when tasks failed, and says which.
        #SBATCH --job-name=\(name)-merge
        #SBATCH --cpus-per-task=1
        #SBATCH --mem=2048M
        #SBATCH --time=30
        #SBATCH --output=\(shared.path)/logs/merge-%j.out
        set -euo pipefail
        exec \(mergeCommand(zoo: zoo, plan: planFile.path, shared: shared.path))

        """
    }

    var slurmSubmit: String {
        let directory = planFile.deletingLastPathComponent().path
        return """
            #!/bin/bash
            \(header)# Submits the task array, then the merge job once the array has ended (afterany: failed tasks too).
            set -euo pipefail
            mkdir -p \(shellWord(shared.path + "/logs"))
            array=$(sbatch --parsable \(shellWord(directory + "/\(stem)-slurm-array.sbatch")))
            array=${array%%;*}
            merge=$(sbatch --parsable --dependency=afterany:"$array" \(shellWord(directory + "/\(stem)-slurm-merge.sbatch")))
            echo "array job $array (\(plan.tasks.count) tasks), merge job ${merge%%;*}; report: \(shared.path)/report/report.html"

            """
    }

    /// Kubernetes reads the plan from a ConfigMap (`<name>-plan`, made by k8s-submit.sh) mounted at /plan; the
    /// shards, features and report go to the claim mounted at /sweep.
    var kubernetesPlan: String { "/plan/\(planFile.lastPathComponent)" }

    /// The pod spec of a task or of the merge: `command` in zoo's image, with the plan and the shared volume.
    func kubernetesPod(container: String, command: String, cpus: Int, memoryMB: Int, indent: String) -> String {
        """
        restartPolicy: Never
        containers:
          - name: \(container)
            image: \(image)
            command: ["/bin/sh", "-c"]
            args: [\(yamlString("exec " + command))]
            resources:
              requests:
                cpu: "\(cpus)"
                memory: \(memoryMB)Mi
              limits:
                memory: \(memoryMB)Mi
            volumeMounts:
              - name: plan
                mountPath: /plan
                readOnly: true
              - name: sweep
                mountPath: /sweep
        volumes:
          - name: plan
            configMap:
              name: \(name)-plan
          - name: sweep
            persistentVolumeClaim:
              claimName: \(claim)
        """.split(separator: "\n").map { indent + $0 }.joined(separator: "\n")
    }

    var kubernetesJob: String {
        let r = resources
        let pod = kubernetesPod(container: "task", command: runCommand(zoo: zoo, plan: kubernetesPlan, index: "\"$JOB_COMPLETION_INDEX\"", shared: "/sweep"),
                                cpus: r.cpus, memoryMB: r.memoryMB, indent: "      ")
        return """
            \(header)# An indexed Job: completion index I (JOB_COMPLETION_INDEX) runs task I, at most \(parallel) at once; a failed
            # pod is retried (the task resumes). \(stem)-k8s-submit.sh makes the plan's ConfigMap and applies this.
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: \(name)
              labels:
                app.kubernetes.io/name: zoo-sweep
                zoo/plan: "\(plan.planHash.prefix(12))"
            spec:
              completionMode: Indexed
              completions: \(plan.tasks.count)
              parallelism: \(parallel)
              backoffLimit: \(max(2, plan.tasks.count))
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: zoo-sweep
                spec:
            \(pod)

            """
    }

    var kubernetesMerge: String {
        let pod = kubernetesPod(container: "merge", command: mergeCommand(zoo: zoo, plan: kubernetesPlan, shared: "/sweep"), cpus: 1, memoryMB: 2048,
                                indent: "      ")
        return """
        \(header)# The merge Job: applied once the indexed Job has ended, completed or failed (\(stem)-k8s-submit.sh waits).
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: \(name)-merge
          labels:
            app.kubernetes.io/name: zoo-sweep
            zoo/plan: "\(plan.planHash.prefix(12))"
        spec:
          backoffLimit: 0
          template:
            spec:
        \(pod)

        """
    }

    var kubernetesSubmit: String {
        let directory = planFile.deletingLastPathComponent().path
        return """
            #!/bin/bash
            \(header)# Puts the plan in a ConfigMap, runs the indexed Job, waits until it has ended (completed or failed: the merge
            # runs either way, like Slurm's afterany), then runs the merge Job. The claim \(claim) must exist (ReadWriteMany).
            set -euo pipefail
            kubectl create configmap \(name)-plan --from-file=\(planFile.lastPathComponent)=\(shellWord(planFile.path))
            kubectl apply -f \(shellWord(directory + "/\(stem)-k8s-job.yaml"))
            until kubectl get job \(name) -o jsonpath='{.status.conditions[?(@.status=="True")].type}' | grep -Eq 'Complete|Failed'; do sleep 30; done
            kubectl apply -f \(shellWord(directory + "/\(stem)-k8s-merge.yaml"))
            echo "merge job \(name)-merge started; the report goes to /sweep/report on the claim \(claim)"

            """
    }

    var shellScript: String {
        """
        #!/bin/bash
        \(header)# Runs every task on this machine, \(parallel) at a time, then merges. Run it again after a failure: finished
        # tasks are skipped, failed ones resume.
        set -uo pipefail
        mkdir -p \(shellWord(shared.path + "/logs"))
        seq 0 \(last) | xargs -P \(parallel) -I{} sh -c \(shellWord(runCommand(zoo: zoo, plan: planFile.path, index: "{}", shared: shared.path) + " > " + shared.path + "/logs/task-{}.out 2>&1 || echo 'task {} failed: see " + shared.path + "/logs/task-{}.out' >&2"))
        \(mergeCommand(zoo: zoo, plan: planFile.path, shared: shared.path))

        """
    }
}
