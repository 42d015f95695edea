import Foundation
import PruneKit
import PruneTUI

/// What the inspector's background work posts.
public enum InspectorMessage: Sendable {
    case progress(InspectionProgress)
    case loaded(CheckpointInspection)
    case loadFailed(String)
    case exportFinished(message: String, failed: Bool)
}

/// The explorer's inspection mode: a checkpoint with no model spec
/// (a Hugging Face or PyTorch `.safetensors`, an `.npz`, an `.npy`). Every
/// tensor listed in name-prefix groups that fold, with a filter; the
/// selected tensor's statistics, histogram and heatmap; the rules that make
/// it prunable or not; magnitude pruning per tensor, global or 2:4,
/// previewed live from each tensor's value distribution and exported
/// exactly. Statistics are computed in the background while the list is
/// already usable.
public struct InspectorApp: TerminalApp {
    public typealias Message = InspectorMessage

    /// A line of the tensor list.
    enum Row: Equatable {
        /// `label`: the prefix without its parent group's prefix.
        case group(prefix: String, label: String, depth: Int)
        case tensor(name: String, depth: Int)
    }

    struct OpenPrompt {
        enum Purpose { case filter, include, exclude, export }
        var purpose: Purpose
        var state: PromptState
    }

    let archive: any TensorArchive
    /// Statistics of every tensor, once the background pass is done.
    public private(set) var inspection: CheckpointInspection? {
        didSet { entries = Dictionary((inspection?.entries ?? []).map { ($0.info.name, $0) }, uniquingKeysWith: { a, _ in a }) }
    }
    /// `inspection`'s entries by tensor name: every visible row looks its tensors up each frame.
    private var entries: [String: CheckpointInspection.Entry] = [:]

    /// The statistics and prunability of `name`, once loaded.
    func entry(_ name: String) -> CheckpointInspection.Entry? { entries[name] }
    public private(set) var rules: PrunableRules
    /// Substring or glob (`*`, `?`) the list is filtered by; empty = all.
    public private(set) var filter = ""
    /// Group prefixes folded shut.
    public private(set) var collapsed: Set<String> = []
    public var table = TableState()
    public private(set) var scope: Scope = .global
    /// 2:4 instead of a sparsity.
    public private(set) var twoOfFour = false
    public var slider = SliderState(value: 0.5, range: 0...0.999, coarseStep: 0.01, fineStep: 0.001)
    public var logScale = false
    public var showHelp = false
    public var toasts = Toasts()
    public var themes: [Theme]
    public var themeIndex = 0
    /// Loading progress while the statistics are computed (nil when done).
    public private(set) var loading: InspectionProgress?
    public private(set) var exporting: String?
    var prompt: OpenPrompt?
    var confirmOverwrite: String?
    var exportPath: String
    let post: @Sendable (InspectorMessage) -> Void
    let worker: any BackgroundWorker
    let loadCancel = CancelFlag()
    /// Downsampled |w| of the selected tensor for the heatmap, by name.
    let heatCache = HeatCache()

    public var minimumSize: Size { Size(width: 80, height: 24) }
    public var theme: Theme { themes[themeIndex] }

    public init(archive: any TensorArchive, rules: PrunableRules = .default, themes: [Theme] = [.builtinDefault],
                post: @escaping @Sendable (InspectorMessage) -> Void, worker: any BackgroundWorker = ThreadWorker(),
                exportPath: String? = nil) {
        self.archive = archive
        self.rules = rules
        self.themes = themes.isEmpty ? [.builtinDefault] : themes
        self.post = post
        self.worker = worker
        let url = URL(fileURLWithPath: archive.path)
        self.exportPath = exportPath ?? url.deletingPathExtension().lastPathComponent + "-pruned.safetensors"
        // Big checkpoints open with their groups folded below the first level.
        let tree = TensorGroup.tree(of: archive.tensors.map(\.name))
        if archive.tensors.count > 40 {
            var folded = Set<String>()
            func fold(_ g: TensorGroup, depth: Int) {
                for child in g.groups {
                    if depth >= 1 { folded.insert(child.prefix) }
                    fold(child, depth: depth + 1)
                }
            }
            fold(tree, depth: 0)
            collapsed = folded
        }
    }

    /// Starts the statistics pass in the background (call once, before `run`).
    public mutating func startLoading() {
        loading = InspectionProgress(bytesDone: 0, bytesTotal: archive.tensors.reduce(0) { $0 + $1.byteCount },
                                     tensorsDone: 0, tensorsTotal: archive.tensors.count)
        let handle = ArchiveHandle(archive: archive)
        let rules = self.rules, post = self.post, cancel = loadCancel
        worker.run {
            do {
                let result = try CheckpointInspector.inspect(handle.archive, rules: rules, bins: 64,
                                                             progress: { post(.progress($0)) }, isCancelled: { cancel.isCancelled })
                post(.loaded(result))
            } catch {
                post(.loadFailed("\(error)"))
            }
        }
    }

    // MARK: Rows

    var tree: TensorGroup { inspection?.groups ?? TensorGroup.tree(of: archive.tensors.map(\.name)) }

    /// The list as shown: groups and tensors, folded groups' contents left
    /// out; with a filter, the matching tensors only.
    var rows: [Row] {
        if !filter.isEmpty {
            return archive.tensors.map(\.name).filter { InspectorApp.matches(filter, $0) }.map { .tensor(name: $0, depth: 0) }
        }
        var out = [Row]()
        func walk(_ g: TensorGroup, depth: Int) {
            for child in g.groups {
                out.append(.group(prefix: child.prefix, label: String(child.prefix.dropFirst(g.prefix.count)), depth: depth))
                if !collapsed.contains(child.prefix) { walk(child, depth: depth + 1) }
            }
            for t in g.tensors { out.append(.tensor(name: t, depth: depth)) }
        }
        walk(tree, depth: 0)
        return out
    }

    static func matches(_ pattern: String, _ name: String) -> Bool {
        pattern.contains("*") || pattern.contains("?") ? PrunableRules.matches(pattern, name) : name.localizedCaseInsensitiveContains(pattern)
    }

    var selectedRow: Row? {
        let r = rows
        return r.isEmpty ? nil : r[min(max(0, table.selected), r.count - 1)]
    }

    /// Names of the tensors pruned under the current rules.
    var prunableNames: [String] {
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
        let key = prunableNames.joined(separator: "\n")
        return heatCache.globalCDF.value(for: key) {
            MagnitudeCDF(inspection.entries.filter(\.prunable.isPrunable).map(\.statistics.distribution))
        }
    }

    /// Previewed fraction of `name`'s elements that are zero after pruning (≈ in global scope).
    func previewSparsity(of name: String) -> Double? {
        guard let entry = entry(name) else { return nil }
        let zeros = entry.statistics.zeroFraction
        guard entry.prunable.isPrunable else { return zeros }
        if twoOfFour { return max(zeros, 0.5) }
        if scope == .layer { return max(zeros, slider.value) }
        guard let t = threshold(for: name) else { return zeros }
        return max(zeros, heatCache.tensorCDF(name, entry.statistics.distribution).fraction(below: t))
    }

    // MARK: Events

    public mutating func handle(_ event: AppEvent<InspectorMessage>, context: DrawContext) -> AppAction {
        switch event {
        case .key(let k): return handleKey(k, context: context)
        case .mouse(let m):
            _ = table.handle(m, area: areasTable, rowCount: rows.count)
            if slider.handle(m, track: areasSlider) { }
            return .continue
        case .resize: return .continue
        case .interrupt: loadCancel.cancel(); return .quit
        case .message(let m):
            switch m {
            case .progress(let p): loading = p
            case .loaded(let i):
                inspection = i
                loading = nil
                toasts.post("statistics of \(i.entries.count) tensors ready", now: context.now)
            case .loadFailed(let e):
                loading = nil
                toasts.post(e, level: .error, now: context.now, duration: 10)
            case .exportFinished(let message, let failed):
                exporting = nil
                toasts.post(message, level: failed ? .error : .info, now: context.now, duration: failed ? 10 : 6)
            }
            return .continue
        }
    }

    var areasTable: Rect { layoutCache.table }
    var areasSlider: Rect { layoutCache.slider }
    let layoutCache = LayoutCache()

    public mutating func tick(now: Double) -> Bool { toasts.expire(now: now) }

    mutating func handleKey(_ key: Key, context: DrawContext) -> AppAction {
        if var p = prompt {
            switch p.state.handle(key) {
            case .editing: prompt = p
            case .cancelled: prompt = nil
            case .submitted(let raw): submit(p.purpose, raw.trimmingCharacters(in: .whitespaces), context: context)
            }
            return .continue
        }
        if let path = confirmOverwrite {
            if key == .char("y") { confirmOverwrite = nil; startExport(to: path, context: context) }
            if key == .char("n") || key == .escape { confirmOverwrite = nil }
            return .continue
        }
        if showHelp {
            if key == .escape || key == .char("?") || key == .char("q") { showHelp = false }
            return .continue
        }
        if slider.handle(key) {
            if twoOfFour { toasts.post("2:4 implies 50 % of each group of 4; n switches back to a sparsity", level: .warning, now: context.now) }
            return .continue
        }
        if table.handle(key, rowCount: rows.count, pageSize: max(1, layoutCache.table.height - 2)) { return .continue }
        switch key {
        case .char("q"), .ctrl("c"): loadCancel.cancel(); return .quit
        case .char("?"): showHelp = true
        case .escape:
            if !filter.isEmpty { filter = ""; table.selected = 0 }
        case .enter, .char(" "):
            if case .group(let prefix, _, _)? = selectedRow {
                if collapsed.contains(prefix) { collapsed.remove(prefix) } else { collapsed.insert(prefix) }
            }
        case .char("/"): prompt = OpenPrompt(purpose: .filter, state: PromptState(title: "Filter tensors (text or glob)", label: "/", text: filter))
        case .char("i"): prompt = OpenPrompt(purpose: .include, state: PromptState(title: "Also prune tensors matching (glob or re:regex)", label: "include", text: ""))
        case .char("x"): prompt = OpenPrompt(purpose: .exclude, state: PromptState(title: "Never prune tensors matching (glob or re:regex)", label: "exclude", text: ""))
        case .char("D"):
            rules = PrunableRules(include: rules.include, exclude: rules.exclude, useDefaults: !rules.useDefaults)
            applyRules(context: context)
        case .char("g"): scope = scope == .global ? .layer : .global
        case .char("n"): twoOfFour.toggle()
        case .char("c"):
            toasts.post("only magnitude here: random, taylor, snip and norms of units need a model spec (model.json) and its dataset",
                        level: .warning, now: context.now, duration: 6)
        case .char("L"): logScale.toggle()
        case .char("T"): themeIndex = (themeIndex + 1) % themes.count
        case .char("e"):
            guard inspection != nil else { toasts.post("wait for the statistics to finish", level: .warning, now: context.now); return .continue }
            prompt = OpenPrompt(purpose: .export, state: PromptState(title: "Export pruned checkpoint (.safetensors)", label: "file", text: exportPath))
        default: break
        }
        return .continue
    }

    mutating func submit(_ purpose: OpenPrompt.Purpose, _ text: String, context: DrawContext) {
        switch purpose {
        case .filter:
            filter = text
            table.selected = 0
            prompt = nil
        case .include, .exclude:
            guard !text.isEmpty else { prompt = nil; return }
            if let problem = PrunableRules.validate(text) { prompt?.state.error = problem; return }
            rules = purpose == .include
                ? PrunableRules(include: rules.include + [text], exclude: rules.exclude, useDefaults: rules.useDefaults)
                : PrunableRules(include: rules.include, exclude: rules.exclude + [text], useDefaults: rules.useDefaults)
            prompt = nil
            applyRules(context: context)
        case .export:
            guard !text.isEmpty else { prompt?.state.error = "give a file name"; return }
            prompt = nil
            exportPath = text
            if FileManager.default.fileExists(atPath: text) { confirmOverwrite = text } else { startExport(to: text, context: context) }
        }
    }

    mutating func applyRules(context: DrawContext) {
        inspection = inspection?.withRules(rules)
        toasts.post("\(prunableNames.count) of \(archive.tensors.count) tensors prunable under the rules", now: context.now)
    }

    mutating func startExport(to path: String, context: DrawContext) {
        guard exporting == nil else { return }
        let names = prunableNames
        guard !names.isEmpty else { toasts.post("no tensor is prunable under the rules (i adds an include pattern)", level: .warning, now: context.now); return }
        exporting = path
        let handle = ArchiveHandle(archive: archive), post = self.post
        let scope = self.scope, nOfM: (n: Int, m: Int)? = twoOfFour ? (2, 4) : nil, amount = slider.value
        worker.run {
            do {
                let (masks, record) = try CheckpointPruning.magnitudeMasks(handle.archive, names: names, scope: scope, nOfM: nOfM, amount: amount)
                let metadata = try CheckpointExport.write(handle.archive, changes: masks.mapValues { .mask($0) }, record: record, to: path)
                let sparsity = metadata["prunescope.sparsity"].flatMap(Double.init).map(Text.percent) ?? "?"
                post(.exportFinished(message: "wrote \(path): \(names.count) tensors pruned by magnitude, \(sparsity) of their elements zero", failed: false))
            } catch {
                post(.exportFinished(message: "export failed: \(error)", failed: true))
            }
        }
    }
}

/// The archive handed to background work (read-only, memory-mapped).
struct ArchiveHandle: @unchecked Sendable {
    let archive: any TensorArchive
}

/// Where the list and the slider were drawn last (for the mouse and page size).
final class LayoutCache {
    var table = Rect.zero
    var slider = Rect.zero
}

/// What inspecting a tensor costs a pass over the data to know, kept until
/// what it depends on changes: the heatmap image of the selected tensor, the
/// magnitude distribution over the prunable set, and each tensor's own.
final class HeatCache {
    let heatmap = Memo<(values: [Float], rows: Int, columns: Int, source: (rows: Int, columns: Int))?>()
    let globalCDF = Memo<MagnitudeCDF>()
    private var tensorCDFs: [String: MagnitudeCDF] = [:]

    /// The magnitude distribution of one tensor (a tensor's values do not change while inspecting).
    func tensorCDF(_ name: String, _ distribution: ValueDistribution) -> MagnitudeCDF {
        if let c = tensorCDFs[name] { return c }
        let c = MagnitudeCDF([distribution])
        tensorCDFs[name] = c
        return c
    }
}
