import Foundation
import PruneKit
import PruneTUI
import Synchronization

/// Runs the effects `InspectorModel.update` asks for: the only code in the
/// inspector that starts background work or touches files. Called on the UI
/// thread; the work shares only the archive (read only, `Sendable`) and the
/// values the effect carries, and answers through `post`.
public struct InspectorEffectRunner {
    let archive: any TensorArchive
    let worker: any BackgroundWorker
    let post: @Sendable (InspectorMessage) -> Void
    /// The statistics pass's cancel flag (there is one pass per inspector).
    private let loadCancel = CancelFlag()
    /// The user's evaluator (`open --evaluator`), if any.
    let evaluator: ExternalEvaluator?
    /// The newest evaluation generation started and the newest cancelled.
    private let evaluations = GenerationCancels()

    /// - Parameter post: where background work posts (`Mailbox.post` of the app runner).
    public init(
        archive: any TensorArchive, worker: any BackgroundWorker, post: @escaping @Sendable (InspectorMessage) -> Void,
        evaluator: ExternalEvaluator? = nil
    ) {
        self.archive = archive
        self.worker = worker
        self.post = post
        self.evaluator = evaluator
    }

    public func run(_ effects: [InspectorEffect]) {
        for effect in effects { run(effect) }
    }

    /// Cancels the statistics pass and waits for all background work, at most `timeout` seconds.
    public func shutDown(timeout: Double) -> Bool {
        loadCancel.cancel()
        return worker.waitUntilIdle(timeout: timeout)
    }

    private func run(_ effect: InspectorEffect) {
        let archive = self.archive, post = self.post
        switch effect {
        case .cancelLoading:
            loadCancel.cancel()
        case .loadStatistics(let rules):
            let cancel = loadCancel
            worker.run {
                do {
                    let result = try CheckpointInspector.inspect(
                        archive, rules: rules, bins: 64, progress: { post(.progress($0)) },
                        isCancelled: { cancel.isCancelled })
                    post(.loaded(result))
                } catch {
                    post(.loadFailed("\(error)"))
                }
            }
        case .export(let request):
            worker.run { InspectorEffectRunner.export(archive, request, post: post) }
        case .cancelEvaluation:
            evaluations.cancelStarted()
        case .evaluate(let generation, let cut):
            guard let evaluator else { return }
            evaluations.start(generation)
            let evaluations = self.evaluations
            worker.run {
                InspectorEffectRunner.evaluate(
                    archive, cut, with: evaluator, generation: generation, post: post,
                    isCancelled: { evaluations.isCancelled(generation) })
            }
        }
    }

    /// Computes the masks and writes the pruned checkpoint (on a worker thread).
    static func export(_ archive: any TensorArchive, _ request: InspectorExport, post: @Sendable (InspectorMessage) -> Void) {
        if !request.replacing, FileManager.default.fileExists(atPath: request.path) {
            post(.exportTargetExists(path: request.path))
            return
        }
        let parent = URL(fileURLWithPath: request.path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: parent) {
            guard request.createParents else {
                post(.exportParentMissing(path: request.path, parent: parent))
                return
            }
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                post(.exportFinished(message: "export failed: cannot create \(parent): \(ErrorText.plain(error))", failed: true))
                return
            }
        }
        do {
            // Rules, not masks: the export streams them tensor by tensor.
            let (rules, record) = try CheckpointPruning.magnitudeRules(
                archive, names: request.tensors, scope: request.scope,
                nOfM: request.twoOfFour ? (2, 4) : nil, amount: request.amount)
            let metadata = try CheckpointExport.write(archive, changes: rules.mapValues { .rule($0) }, record: record, to: request.path)
            // The masks beside it, for torch's prune.custom_from_mask.
            let masks = CheckpointPruning.masksPath(beside: request.path)
            try CheckpointPruning.writeMasks(archive, rules: rules, to: masks)
            let sparsity = metadata["prunescope.sparsity"].flatMap(Double.init).map { Format.percent($0) } ?? "?"
            post(
                .exportFinished(
                    message: "wrote \(request.path) and \(masks): \(sparsity) of \(request.tensors.count) tensors zero", failed: false))
        } catch {
            post(.exportFinished(message: "export failed: \(ErrorText.oneLine(error))", failed: true))
        }
    }

    /// Masks the cut's tensors and asks the evaluator (on a worker thread).
    static func evaluate(
        _ archive: any TensorArchive, _ cut: InspectorCut, with evaluator: ExternalEvaluator, generation: Int,
        post: @Sendable (InspectorMessage) -> Void, isCancelled: () -> Bool
    ) {
        do {
            let masks = try CheckpointPruning.magnitudeMasks(
                archive, names: cut.tensors, scope: cut.scope, nOfM: cut.twoOfFour ? (2, 4) : nil, amount: cut.amount
            ).masks
            let result = try evaluator.evaluate(masks: PrunedWeightsExport.maskEntries(masks), isCancelled: isCancelled)
            post(.evaluated(generation: generation, result))
        } catch {
            post(.evaluationFailed(generation: generation, "\(error)"))
        }
    }
}
