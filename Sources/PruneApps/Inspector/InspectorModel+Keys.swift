import PruneKit
import PruneTUI

extension InspectorModel {
    /// A key goes to the modal on top, if any, else through the key table.
    mutating func handleKey(_ key: Key, now: Double) -> AppAction {
        switch modal {
        case .prompt(let prompt)?:
            handlePromptKey(key, prompt: prompt, now: now)
            return .continue
        case .confirmOverwrite(let path)?:
            if key == .char("y") {
                modal = nil
                startExport(to: path, replacing: true, now: now)
            } else if key == .char("n") || key == .escape {
                modal = nil
            }
            return .continue
        case .confirmCreateParent(let path, _)?:
            if key == .char("y") {
                modal = nil
                startExport(to: path, replacing: false, createParents: true, now: now)
            } else if key == .char("n") || key == .escape {
                modal = nil
            }
            return .continue
        case .help(let scroll)?:
            switch InspectorKeys.binding(for: key, in: .help)?.action {
            case .scrollHelp?:
                var state = HelpState(scroll: scroll)
                _ = state.handle(key, help: InspectorKeys.help(unicode: true), area: layout.full)
                modal = .help(scroll: state.scroll)
            case .closeHelp?: modal = nil
            default: break
            }
            return .continue
        case nil:
            break
        }
        guard let binding = InspectorKeys.binding(for: key, in: .main) else {
            toast("\(KeyName.of(key)): no such key here (? lists the keys)", .warning, now: now)
            return .continue
        }
        return perform(binding.action, key: key, now: now)
    }

    mutating func perform(_ action: InspectorAction, key: Key, now: Double) -> AppAction {
        switch action {
        case .quit: return quit()
        case .help: modal = .help(scroll: 0)
        case .nextTheme: themeIndex = (themeIndex + 1) % themeCount
        case .select: _ = table.handle(key, rowCount: rows.count, pageSize: layout.pageSize)
        case .slider:
            if slider.handle(key), twoOfFour {
                toast("2:4 is 50 % of each group of 4; n for a sparsity", .warning, now: now)
            }
        case .fold:
            if case .group(let prefix, _, _)? = selectedRow {
                if collapsed.contains(prefix) { collapsed.remove(prefix) } else { collapsed.insert(prefix) }
            }
        case .filter:
            openPrompt(.filter, PromptState(title: "Filter tensors (text or glob)", label: "/", text: filter))
        case .clearFilter:
            if !filter.isEmpty {
                filter = ""
                table.selected = 0
            }
        case .include:
            openPrompt(.include, PromptState(title: "Also prune tensors matching (glob or re:regex)", label: "include"))
        case .exclude:
            openPrompt(.exclude, PromptState(title: "Never prune tensors matching (glob or re:regex)", label: "exclude"))
        case .toggleDefaults:
            rules = PrunableRules(include: rules.include, exclude: rules.exclude, useDefaults: !rules.useDefaults)
            applyRules(now: now)
        case .scope: scope = scope == .global ? .layer : .global
        case .twoOfFour: twoOfFour.toggle()
        case .criteria:
            toast("magnitude only: other criteria need a model spec and data", .warning, now: now, duration: 6)
        case .export:
            if inspection == nil {
                toast("wait for the statistics to finish", .warning, now: now)
            } else if let path = exporting {
                toast("already exporting to \(path)", .warning, now: now)
            } else {
                openPrompt(.export, PromptState(title: "Export pruned checkpoint (.safetensors)", label: "file", text: exportPath))
            }
        case .logScale: logScale.toggle()
        case .scrollHelp, .closeHelp: break
        }
        return .continue
    }

    mutating func openPrompt(_ purpose: Prompt.Purpose, _ state: PromptState) {
        modal = .prompt(Prompt(purpose: purpose, state: state))
    }

    mutating func handlePromptKey(_ key: Key, prompt: Prompt, now: Double) {
        var edited = prompt
        switch edited.state.handle(key) {
        case .editing: modal = .prompt(edited)
        case .cancelled: modal = nil
        case .submitted(let raw): submit(edited, raw.trimmingCharacters(in: .whitespaces), now: now)
        }
    }

    /// The answer to a prompt; a refused one keeps the prompt open with the reason.
    mutating func submit(_ prompt: Prompt, _ text: String, now: Double) {
        var refused = prompt
        switch prompt.purpose {
        case .filter:
            modal = nil
            filter = text
            table.selected = 0
        case .include, .exclude:
            guard !text.isEmpty else { modal = nil; return }
            if let problem = PrunableRules.validate(text) {
                refused.state.error = problem
                modal = .prompt(refused)
                return
            }
            modal = nil
            rules =
                prompt.purpose == .include
                ? PrunableRules(include: rules.include + [text], exclude: rules.exclude, useDefaults: rules.useDefaults)
                : PrunableRules(include: rules.include, exclude: rules.exclude + [text], useDefaults: rules.useDefaults)
            applyRules(now: now)
        case .export:
            guard !text.isEmpty else {
                refused.state.error = "give a file name"
                modal = .prompt(refused)
                return
            }
            modal = nil
            exportPath = text
            startExport(to: text, replacing: false, now: now)
        }
    }

    mutating func applyRules(now: Double) {
        inspection = inspection?.withRules(rules)
        toast("\(prunableNames.count) of \(archive.tensors.count) tensors prunable under the rules", now: now)
    }

    /// Asks for the export of what the screen shows now; unless `replacing`,
    /// an existing file is left alone (the runner asks back).
    mutating func startExport(to path: String, replacing: Bool, createParents: Bool = false, now: Double) {
        guard exporting == nil else { return }
        let names = prunableNames
        guard !names.isEmpty else {
            toast("nothing prunable under the rules (i includes)", .warning, now: now)
            return
        }
        exporting = path
        emit(
            .export(
                InspectorExport(
                    path: path, replacing: replacing, tensors: names, scope: scope, twoOfFour: twoOfFour,
                    amount: slider.value, createParents: createParents)))
    }
}
