import PruneTUI

/// What a key does in the explorer.
public enum ExplorerAction: Hashable, Sendable {
    case quit, help, back, nextTheme, explain, options
    case screen(ExplorerModel.Screen)
    case undo, redo, export, save, retrain, schedule, sensitivity, runSweep, allocate, applyAllocation
    case apply, typeValue, sliderMode, scope, criterion, granularity, logScale, heatmapView
    /// ← → and friends: the slider's own key handling.
    case slider
    /// ↑ ↓ and friends: the table's own key handling.
    case select
    case focusNext, focusPrevious
    case jump
    // Inside overlays.
    case scrollHelp, closeHelp
    case settingRow, settingChange, closeOptions
    // Lessons.
    case lessons, glossary, lessonMove, lessonOpen, lessonList, lessonClose
}

/// Where a binding applies.
public enum KeyContext: String, Hashable, Sendable, CaseIterable {
    case everywhere, explore, history, sensitivity, frontier, help, options, lessons
    case robustness
    case boundary

    static func of(_ screen: ExplorerModel.Screen) -> KeyContext {
        switch screen {
        case .main: .explore
        case .history: .history
        case .sensitivity: .sensitivity
        case .frontier: .frontier
        case .robustness: .robustness
        case .boundary: .boundary
        }
    }
}

/// A row of the explorer's key table.
public typealias ExplorerBinding = KeyBinding<ExplorerAction, KeyContext>

/// The explorer's one table of keys: dispatch, the help overlay, the hint
/// line and the README's key table are all made from it.
public enum ExplorerKeys {
    private static func bind(
        _ keys: [Key], _ label: String, ascii: String? = nil, hint: String? = nil, _ help: String,
        _ action: ExplorerAction, in context: KeyContext
    ) -> ExplorerBinding {
        ExplorerBinding(keys, label, ascii: ascii, hint: hint, help, action, in: context)
    }

    public static let table: [ExplorerBinding] = [
        // Threshold and pruning.
        bind(
            [.left, .right, .char("h"), .char("l")], "← →  h l", ascii: "< >  h l", hint: "slider",
            "move the slider one point of sparsity", .slider, in: .explore),
        bind(
            [.shiftLeft, .shiftRight, .char("<"), .char(">"), .char(","), .char(".")], "⇧← ⇧→  < >", ascii: "S-<- S->  < >",
            "move the slider a tenth of a point", .slider, in: .explore),
        bind([.home, .end], "Home End", "slider to either end", .slider, in: .explore),
        bind([.char("t")], "t", "type a threshold (0.02) or a sparsity (90%)", .typeValue, in: .explore),
        bind([.char("m")], "m", "slider: |w| threshold / target sparsity", .sliderMode, in: .explore),
        bind([.enter], "Enter", hint: "apply", "apply the preview (* in the layer list)", .apply, in: .explore),
        bind([.char("g")], "g", "scope: per layer / global", .scope, in: .explore),
        bind([.char("c")], "c", "next criterion", .criterion, in: .explore),
        bind([.char("n")], "n", "next granularity", .granularity, in: .explore),
        bind([.char("o")], "o", hint: "options", "options: schedule, rounds, epochs, lr, L1", .options, in: .everywhere),
        bind([.char("p")], "p", hint: "schedule", "run the schedule to the slider's target", .schedule, in: .everywhere),
        bind([.char("r")], "r", hint: "retrain", "retrain (masks held at zero)", .retrain, in: .everywhere),
        bind([.escape], "Esc", "cancel running work; close a panel; back to explore", .back, in: .everywhere),
        // History.
        bind([.char("u")], "u", hint: "undo", "undo", .undo, in: .everywhere),
        bind([.ctrl("r"), .char("U")], "Ctrl-R  U", ascii: "^R  U", "redo", .redo, in: .everywhere),
        bind([.enter], "Enter", hint: "jump", "jump to the selected step", .jump, in: .history),
        bind([.char("e")], "e", hint: "export", "export weights, masks, report", .export, in: .everywhere),
        bind([.char("w")], "w", "save the session", .save, in: .everywhere),
        // Views.
        bind(
            [.up, .down, .char("j"), .char("k"), .pageUp, .pageDown], "↑ ↓  j k", ascii: "^ v  j k", hint: "layer",
            "select a layer", .select, in: .explore),
        bind(
            [.up, .down, .char("j"), .char("k"), .pageUp, .pageDown, .home, .end], "↑ ↓  j k", ascii: "^ v  j k", hint: "select",
            "select a step", .select, in: .history),
        bind([.char("1")], "1", "explore", .screen(.main), in: .everywhere),
        bind([.char("2")], "2", "history", .screen(.history), in: .everywhere),
        bind([.char("3")], "3", "sensitivity", .screen(.sensitivity), in: .everywhere),
        bind([.char("4")], "4", "frontier", .screen(.frontier), in: .everywhere),
        bind([.char("5")], "5", hint: "views", "robustness & privacy", .screen(.robustness), in: .everywhere),
        bind([.char("6")], "6", "decision boundary (models with 2 inputs)", .screen(.boundary), in: .everywhere),
        bind([.char("s")], "s", "run the sensitivity sweep", .sensitivity, in: .everywhere),
        bind([.enter], "Enter", hint: "run sweep", "run the sensitivity sweep again", .runSweep, in: .sensitivity),
        bind(
            [.char("a")], "a", hint: "allocate", "choose per-layer targets from the curves for an overall sparsity", .allocate,
            in: .sensitivity),
        bind([.char("A")], "A", "apply the allocated targets as one prune step", .applyAllocation, in: .sensitivity),
        bind([.char("x")], "x", hint: "explain", "explain the criterion and schedule", .explain, in: .explore),
        bind([.char("a")], "a", "heatmap: weights / fraction pruned / per input pixel / changes in this step", .heatmapView, in: .explore),
        bind([.char("L")], "L", "histogram counts linear / log", .logScale, in: .explore),
        bind(
            [.char("x")], "x", hint: "explain", "explain the attacks and the membership test, with the numbers", .explain,
            in: .robustness),
        bind([.tab], "Tab", "focus the next pane", .focusNext, in: .explore),
        bind([.backTab], "⇧Tab", ascii: "S-Tab", "focus the previous pane", .focusPrevious, in: .explore),
        bind([.char("T")], "T", "next theme", .nextTheme, in: .everywhere),
        bind([.char("?")], "?", hint: "help", "this help", .help, in: .everywhere),
        bind(
            [.char("q"), .ctrl("c")], "q  Ctrl-C", ascii: "q  ^C", hint: "quit", "quit (asks first if steps are unsaved)", .quit,
            in: .everywhere),
        // Decision boundary screen (6): the slider, live.
        bind(
            [.left, .right, .char("h"), .char("l")], "← →  h l", ascii: "< >  h l", hint: "slider",
            "move the slider; the picture follows the preview", .slider, in: .boundary),
        bind(
            [.shiftLeft, .shiftRight, .char("<"), .char(">"), .char(","), .char(".")], "⇧← ⇧→  < >", ascii: "S-<- S->  < >",
            "move the slider a tenth of a point", .slider, in: .boundary),
        bind([.home, .end], "Home End", "slider to either end", .slider, in: .boundary),
        bind([.enter], "Enter", hint: "apply", "apply the preview", .apply, in: .boundary),
        bind(
            [.up, .down, .char("j"), .char("k")], "↑ ↓  j k", ascii: "^ v  j k", hint: "layer", "select the slider's layer",
            .select, in: .boundary),
        bind([.char("g")], "g", "scope: per layer / global", .scope, in: .boundary),
        // Overlays.
        bind(
            [.up, .down, .char("j"), .char("k"), .pageUp, .pageDown, .home, .end], "↑ ↓  PgUp PgDn", ascii: "^ v  PgUp PgDn",
            "scroll", .scrollHelp, in: .help),
        bind([.escape, .char("?"), .char("q")], "Esc  ?  q", "close help", .closeHelp, in: .help),
        bind([.up, .down, .char("j"), .char("k"), .tab], "↑ ↓  j k", ascii: "^ v  j k", "select a setting", .settingRow, in: .options),
        bind(
            [.left, .right, .char("h"), .char("l"), .char(" ")], "← →  Space", ascii: "< >  Space", "change it", .settingChange,
            in: .options),
        bind([.escape, .char("o"), .char("q"), .enter], "Esc  o  Enter", "close options", .closeOptions, in: .options),
        // Lessons.
        bind([.char("i")], "i", "lessons: the list, or the current lesson's panel", .lessons, in: .everywhere),
        bind(
            [.char("G")], "G", "glossary: what every figure on screen means", .glossary,
            in: .everywhere),
        bind(
            [.up, .down, .char("j"), .char("k"), .pageUp, .pageDown, .home, .end], "↑ ↓  PgUp PgDn", ascii: "^ v  PgUp PgDn",
            hint: "choose/scroll", "choose a lesson; scroll the lesson", .lessonMove, in: .lessons),
        bind(
            [.enter], "Enter", hint: "start/back", "start the chosen lesson; from the lesson, back to its tasks", .lessonOpen,
            in: .lessons),
        bind([.char("l")], "l", hint: "list", "the list of lessons", .lessonList, in: .lessons),
        bind([.escape, .char("i"), .char("q")], "Esc  i  q", hint: "close", "close the lessons", .lessonClose, in: .lessons),
    ]

    /// What the mouse does (help and README; the handling is in the update).
    public static let mouse: [(what: String, does: String, where: String)] = [
        ("click a layer", "select it", "explore"),
        ("click or drag on the slider", "set it there", "explore"),
        ("wheel on the slider", "a tenth of a point per notch", "explore"),
        ("wheel on a table", "move the selection", "explore, history"),
        ("click a pane", "focus it", "explore"),
    ]

    /// The binding of `key` in `context` (a screen's own bindings before
    /// those that apply everywhere).
    public static func binding(for key: Key, in context: KeyContext) -> ExplorerBinding? {
        table.first { $0.context == context && $0.keys.contains(key) }
            ?? (context == .help || context == .options || context == .lessons
                ? nil : table.first { $0.context == .everywhere && $0.keys.contains(key) })
    }

    /// The hint line of `context`: its hinted bindings, then the hinted ones that apply everywhere.
    public static func hints(for context: KeyContext, unicode: Bool) -> [(key: String, action: String)] {
        let own = table.filter { $0.context == context && $0.hint != nil }
        // Over the lessons only their own keys work.
        if context == .lessons { return own.map { b in (keyText(b, unicode: unicode, short: true), b.hint ?? "") } }
        let shared = table.filter { $0.context == .everywhere && $0.hint != nil }
        let order: [String] = ["help", "quit"]
        let all = (shared.filter { order.contains($0.hint ?? "") } + own + shared.filter { !order.contains($0.hint ?? "") })
        return all.map { b in (keyText(b, unicode: unicode, short: true), b.hint ?? "") }
    }

    /// The keys of `b` as shown: in full for help, the first form for the
    /// hint line, where the screens' one hinted key stands for them all ("1-6").
    static func keyText(_ b: ExplorerBinding, unicode: Bool, short: Bool) -> String {
        if short, case .screen = b.action { return "1-\(ExplorerModel.Screen.allCases.map(\.rawValue).max() ?? 1)" }
        return b.keyText(unicode: unicode, short: short)
    }

    /// Help: one section per context, then the mouse.
    public static func helpSections(unicode: Bool) -> [HelpOverlay.Section] {
        let titles: [(KeyContext, String)] = [
            (.explore, "Explore screen (1)"), (.everywhere, "Everywhere"), (.history, "History screen (2)"),
            (.sensitivity, "Sensitivity screen (3)"), (.robustness, "Robustness screen (5)"),
            (.boundary, "Decision boundary screen (6)"), (.help, "In this help"), (.options, "In options (o)"),
            (.lessons, "In lessons (i)"),
        ]
        var sections = titles.map { context, title in
            HelpOverlay.Section(
                title, table.filter { $0.context == context }.map { (keyText($0, unicode: unicode, short: false), $0.help) })
        }
        sections.append(HelpOverlay.Section("Mouse", mouse.map { ($0.what, $0.does) }))
        return sections
    }

    /// The README's key table (Markdown), checked against the README by a test.
    public static func markdownTable() -> String {
        var lines = ["| keys | where | what |", "| --- | --- | --- |"]
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        for b in table { lines.append("| `\(cell(b.label))` | \(b.context.rawValue) | \(cell(b.help)) |") }
        for m in mouse { lines.append("| \(m.what) | \(m.where) | \(m.does) |") }
        return lines.joined(separator: "\n")
    }
}
