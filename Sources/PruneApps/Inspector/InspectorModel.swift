import Foundation
import PruneKit
import PruneTUI

/// Everything the inspector shows and remembers, as one value: the
/// checkpoint (read only), its statistics once loaded, the rules, the list,
/// the pruning controls, the modal on top, the background work in progress.
///
/// `update` (InspectorModel+Update.swift) is the only thing that changes it
/// and returns effects; the view (InspectorView*.swift) draws it and changes
/// nothing.
public struct InspectorModel {
    /// A line of the tensor list.
    public enum Row: Equatable, Sendable {
        /// `label`: the prefix without its parent group's prefix.
        case group(prefix: String, label: String, depth: Int)
        case tensor(name: String, depth: Int)
    }

    /// What sits on top of the screen and takes the keys; at most one.
    public enum Modal: Equatable {
        case help(scroll: Int)
        case prompt(Prompt)
        /// The export target exists: replace it?
        case confirmOverwrite(path: String)
        /// The export target's directory `parent` is missing: create it?
        case confirmCreateParent(path: String, parent: String)
    }

    /// A typed-value box and what its answer is for.
    public struct Prompt: Equatable {
        public enum Purpose: Equatable, Sendable { case filter, include, exclude, export }
        public var purpose: Purpose
        public var state: PromptState
    }

    /// The checkpoint. Read only: `TensorArchive` is `Sendable` because its
    /// files are mapped read-only and never change after opening, so the
    /// view and the background work may read it at the same time.
    public let archive: any TensorArchive
    public let themeCount: Int

    /// Statistics of every tensor, once the background pass is done (under the current rules).
    public internal(set) var inspection: CheckpointInspection? {
        didSet {
            entries = Dictionary((inspection?.entries ?? []).map { ($0.info.name, $0) }, uniquingKeysWith: { first, _ in first })
            inspectionVersion += 1
            prunableNames = Self.prunableNames(archive: archive, inspection: inspection, rules: rules)
            groupFigures = GroupFigures.all(in: tree, archive: archive, entries: entries)
        }
    }
    /// `inspection`'s entries by tensor name: every visible row looks its tensors up each frame.
    private var entries: [String: CheckpointInspection.Entry] = [:]
    /// Counts the changes of `inspection`: what is cached from it is keyed by this.
    private(set) var inspectionVersion = 0
    public internal(set) var rules: PrunableRules {
        didSet { prunableNames = Self.prunableNames(archive: archive, inspection: inspection, rules: rules) }
    }
    /// Names of the tensors pruned under the current rules (kept up to date
    /// as the rules and the statistics change: the header counts them every frame).
    public private(set) var prunableNames: [String] = []
    /// The tensors grouped by name prefix, built once (the names never change).
    let tree: TensorGroup
    /// Tensors, parameters and bytes of the checkpoint, for the header.
    let headerFigures: String
    /// Figures of every group that do not depend on the preview, by prefix
    /// (built once per change of the statistics; each list row reads its own).
    private(set) var groupFigures: [String: GroupFigures] = [:]
    /// Substring or glob (`*`, `?`) the list is filtered by; empty = all.
    public internal(set) var filter = "" {
        didSet { if filter != oldValue { rows = makeRows() } }
    }
    /// Group prefixes folded shut.
    public internal(set) var collapsed: Set<String> = [] {
        didSet { rows = makeRows() }
    }
    /// The list as shown: groups and tensors, folded groups' contents left
    /// out; with a filter, the matching tensors only. Rebuilt when the filter
    /// or the folding changes, never while drawing.
    public private(set) var rows: [Row] = []
    /// Selection and scroll of the list (kept in view by `update`, not by drawing).
    public internal(set) var table = TableState()
    public internal(set) var scope: Scope = .global
    /// 2:4 instead of a sparsity.
    public internal(set) var twoOfFour = false
    /// The target sparsity, a fraction of the prunable weights.
    public internal(set) var slider = SliderState(value: 0.5, range: 0...0.999, coarseStep: 0.01, fineStep: 0.001)
    public internal(set) var logScale = false
    public internal(set) var modal: Modal?
    public internal(set) var toasts = Toasts()
    public internal(set) var themeIndex = 0
    public internal(set) var size: Size
    /// Loading progress while the statistics are computed (nil when done or not started).
    public internal(set) var loading: InspectionProgress?
    /// The file being exported to, while the export runs.
    public internal(set) var exporting: String?
    /// What the export prompt offers.
    public internal(set) var exportPath: String
    /// Downsampled |w| of the selected tensor for the heatmap and the
    /// magnitude distributions: pure memos, filled by whichever reads first.
    let heatCache = HeatCache()
    /// The user's evaluator, as its hello described it (nil: none).
    public let evaluator: EvaluatorHello?
    /// The evaluator's figures for the cut on screen.
    public internal(set) var evaluation = AsyncSlot<EvaluatorResult>()
    /// The evaluator's figures with nothing pruned, once measured.
    public internal(set) var unprunedEvaluation: EvaluatorResult?
    /// The cut the evaluation slot is for.
    var evaluatedCut: InspectorCut?
    /// Why the last evaluation failed, until the cut changes.
    public internal(set) var evaluationProblem: String?

    /// Effects the update in progress asked for (returned by `update`).
    var outbox: [InspectorEffect] = []

    /// - Parameters:
    ///   - size: the screen size (then `.resize` events keep it).
    ///   - exportPath: what the export prompt offers (default: NAME-pruned.safetensors).
    ///   - evaluator: the hello of the user's evaluator, when `open --evaluator` started one.
    public init(
        archive: any TensorArchive, rules: PrunableRules = .default, size: Size, themeCount: Int = 1,
        exportPath: String? = nil, evaluator: EvaluatorHello? = nil
    ) {
        self.evaluator = evaluator
        self.archive = archive
        self.rules = rules
        self.size = size
        self.themeCount = max(1, themeCount)
        let url = URL(fileURLWithPath: archive.path)
        self.exportPath = exportPath ?? url.deletingPathExtension().lastPathComponent + "-pruned.safetensors"
        let tree = TensorGroup.tree(of: archive.tensors.map(\.name))
        self.tree = tree
        headerFigures = Self.headerFigures(archive)
        prunableNames = Self.prunableNames(archive: archive, inspection: nil, rules: rules)
        groupFigures = GroupFigures.all(in: tree, archive: archive, entries: [:])
        // Big checkpoints open with their groups folded below the first level.
        if archive.tensors.count > 40 {
            var folded = Set<String>()
            func fold(_ group: TensorGroup, depth: Int) {
                for child in group.groups {
                    if depth >= 1 { folded.insert(child.prefix) }
                    fold(child, depth: depth + 1)
                }
            }
            fold(tree, depth: 0)
            collapsed = folded
        }
        rows = makeRows()
    }

    /// Screen areas for this size (the view draws into them, the mouse hits them).
    var layout: InspectorLayout { InspectorLayout(size: size) }

    /// Asks for `effect` (collected by `update`).
    mutating func emit(_ effect: InspectorEffect) { outbox.append(effect) }

    mutating func toast(_ text: String, _ level: Toast.Level = .info, now: Double, duration: Double? = nil) {
        toasts.post(text, level: level, now: now, duration: duration ?? (level == .info ? 3 : 6))
    }

    // MARK: Rows

    /// The statistics and prunability of `name`, once loaded.
    func entry(_ name: String) -> CheckpointInspection.Entry? { entries[name] }

    /// Builds `rows` (see there): proportional to the rows shown, plus a
    /// pass over the names with a filter.
    private func makeRows() -> [Row] {
        if !filter.isEmpty {
            return archive.tensors.map(\.name).filter { InspectorModel.matches(filter, $0) }.map { .tensor(name: $0, depth: 0) }
        }
        var out = [Row]()
        func walk(_ group: TensorGroup, depth: Int) {
            for child in group.groups {
                out.append(.group(prefix: child.prefix, label: String(child.prefix.dropFirst(group.prefix.count)), depth: depth))
                if !collapsed.contains(child.prefix) { walk(child, depth: depth + 1) }
            }
            for name in group.tensors { out.append(.tensor(name: name, depth: depth)) }
        }
        walk(tree, depth: 0)
        return out
    }

    static func matches(_ pattern: String, _ name: String) -> Bool {
        pattern.contains("*") || pattern.contains("?")
            ? PrunableRules.matches(pattern, name) : name.localizedCaseInsensitiveContains(pattern)
    }

    public var selectedRow: Row? {
        rows.isEmpty ? nil : rows[min(max(0, table.selected), rows.count - 1)]
    }

    /// Names of the tensors pruned under `rules`: the statistics' verdicts once loaded.
    private static func prunableNames(archive: any TensorArchive, inspection: CheckpointInspection?, rules: PrunableRules) -> [String] {
        if let inspection { return inspection.entries.filter(\.prunable.isPrunable).map(\.info.name) }
        return rules.prunable(archive.tensors).map(\.name)
    }

    // MARK: Preview

    /// The magnitude below which the preview prunes `name` (nil: not prunable, not loaded, or 2:4).
    func threshold(for name: String) -> Float? {
        guard !twoOfFour, let entry = entry(name), entry.prunable.isPrunable else { return nil }
        if scope == .global { return globalCDF.map { $0.threshold(forFraction: slider.value).nextUp } }
        return heatCache.tensorCDF(name, entry.statistics.distribution).threshold(forFraction: slider.value).nextUp
    }

    /// One distribution over every prunable tensor (global scope).
    var globalCDF: MagnitudeCDF? {
        guard let inspection else { return nil }
        // The prunable set changes only with the inspection (new rules make a new one).
        return heatCache.globalCDF.value(for: String(inspectionVersion)) {
            MagnitudeCDF(inspection.entries.filter(\.prunable.isPrunable).map(\.statistics.distribution))
        }
    }

    /// Previewed fraction of `name`'s elements that are zero after pruning (≈ in global scope).
    public func previewSparsity(of name: String) -> Double? {
        guard let entry = entry(name) else { return nil }
        let zeros = entry.statistics.zeroFraction
        guard entry.prunable.isPrunable else { return zeros }
        if twoOfFour { return max(zeros, 0.5) }
        if scope == .layer { return max(zeros, slider.value) }
        guard let t = threshold(for: name) else { return zeros }
        return max(zeros, heatCache.tensorCDF(name, entry.statistics.distribution).fraction(below: t))
    }

    // MARK: Slider

    /// Whether the details pane shows the slider: a tensor with statistics
    /// is selected and the pane has room (the mouse only hits it then).
    var showsSlider: Bool {
        guard case .tensor(let name, _)? = selectedRow, entry(name) != nil else { return false }
        return layout.histogram.height >= 1
    }

    var sliderLabel: String { scope == .global ? "global sparsity" : "sparsity each" }
    var sliderReadout: String { Format.percent(slider.value) }
    /// The slider's track as the view lays it out.
    var sliderTrack: Rect { Slider.layout(area: layout.sliderRow, label: sliderLabel, readout: sliderReadout).track }
}

/// What inspecting a tensor costs a pass over the data to know, kept until
/// what it depends on changes: the heatmap image of the selected tensor, the
/// magnitude distribution over the prunable set, and each tensor's own.
/// Pure memoization: every entry is a function of the read-only archive and
/// its key, so filling it while drawing changes nothing anyone can see.
final class HeatCache {
    let heatmap = Memo<(values: [Float], rows: Int, columns: Int, source: (rows: Int, columns: Int))?>()
    let globalCDF = Memo<MagnitudeCDF>()
    /// Previewed zeros of every group (see `InspectorModel.groupPreviewZeros`).
    let groupPreview = Memo<[String: Double]>()
    private var tensorCDFs: [String: MagnitudeCDF] = [:]

    /// The magnitude distribution of one tensor (a tensor's values do not change while inspecting).
    func tensorCDF(_ name: String, _ distribution: ValueDistribution) -> MagnitudeCDF {
        if let cdf = tensorCDFs[name] { return cdf }
        let cdf = MagnitudeCDF([distribution])
        tensorCDFs[name] = cdf
        return cdf
    }
}
