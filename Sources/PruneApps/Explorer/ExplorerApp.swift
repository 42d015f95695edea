import PruneKit
import PruneTUI

/// The live pruning explorer as a `TerminalApp`: the model, the effect
/// runner, and nothing else. Every event goes through `ExplorerModel.update`
/// and the effects it returns go to the runner; frames are drawn from the
/// model alone.
public struct ExplorerApp: TerminalApp {
    public typealias Message = ExplorerMessage

    public private(set) var model: ExplorerModel
    public let runner: ExplorerEffectRunner
    public let themes: [Theme]

    public init(model: ExplorerModel, runner: ExplorerEffectRunner, themes: [Theme] = [.builtinDefault]) {
        self.model = model
        self.runner = runner
        self.themes = themes.isEmpty ? [.builtinDefault] : themes
    }

    /// An explorer over `session`: publishes it once and hands it to the runner.
    public static func make(
        session: PruningSession, bundle: ModelBundle?, size: Size, themes: [Theme] = [.builtinDefault],
        worker: any BackgroundWorker, post: @escaping @Sendable (ExplorerMessage) -> Void,
        controls: ExplorerControls? = nil, exportDirectory: String? = nil, sessionDirectory: String? = nil,
        measureInference: Bool = true, evaluator: ExternalEvaluator? = nil
    ) -> ExplorerApp {
        var info = ExplorerInfo(
            modelName: session.model.name, datasetName: bundle?.spec.dataset.name ?? "no dataset",
            layers: ExplorerLayer.prunableLayers(of: session.model), batchSize: bundle?.spec.training.batchSize ?? 64,
            recipeOptimizer: bundle?.spec.training.optimizer, recipeEpochs: bundle?.spec.training.epochs, train: session.train,
            validation: session.validation,
            bundle: bundle, hasDense: session.model.layers.contains { $0.kind == .dense })
        info.evaluator = evaluator
        let published = PublishedSession(of: session, version: 0)
        let model = ExplorerModel(
            info: info, session: published, controls: controls, size: size, themeCount: themes.count,
            exportDirectory: exportDirectory, sessionDirectory: sessionDirectory, measureInference: measureInference)
        return ExplorerApp(
            model: model, runner: ExplorerEffectRunner(session: session, info: info, worker: worker, post: post),
            themes: themes)
    }

    public var minimumSize: Size { Size(width: 80, height: 24) }
    /// q is text while a prompt is open.
    public var quitsOnQ: Bool {
        if case .prompt? = model.modal { return false }
        return true
    }
    public var theme: Theme { themes[model.themeIndex % themes.count] }

    public func render(into buffer: inout CellBuffer, context: DrawContext) {
        model.render(into: &buffer, context: context)
    }

    public mutating func handle(_ event: AppEvent<ExplorerMessage>, context: DrawContext) -> AppAction {
        let (action, effects) = model.update(event, now: context.now)
        runner.run(effects, model: model)
        // However the app quits (q, a confirmed Quit?, Ctrl-C, a message),
        // background work stops rather than delaying the exit.
        if case .quit = action { runner.cancelEverything() }
        return action
    }

    public mutating func tick(now: Double) -> Bool {
        let (dirty, effects) = model.tick(now: now)
        runner.run(effects, model: model)
        return dirty
    }

    /// Counts `changes` history changes recovered from the journal as
    /// unsaved (quitting asks to save them).
    public mutating func noteRecovered(_ changes: Int) {
        model.unsavedChanges += changes
    }

    /// Gives the explorer its lessons (`i`); see `ExplorerModel.attachLessons`.
    public mutating func attachLessons(_ state: LessonState, showList: Bool = false, start: Int? = nil) {
        model.attachLessons(state, showList: showList, start: start)
    }

    /// Posts a toast (e.g. "resumed session …" at start).
    public mutating func announce(_ text: String, now: Double) {
        model.toast(text, now: now)
    }
}
