/// A loss-threshold membership-inference attack (Yeom et al. 2018): guess
/// "this sample was in the training set" when its loss is low.
///
/// The attacker's power is summarised threshold-free by the ROC AUC (the
/// chance that a random training sample has a lower loss than a random
/// validation sample, ties counted half; 0.5 is guessing) and at its best
/// threshold by the advantage `max_t (TPR - FPR)` (0 is guessing, 1 is
/// telling every sample apart).
public struct MembershipInference: Sendable, Equatable, Codable {
    /// ROC area under the curve of "member when loss <= t", in [0, 1].
    public var auc: Double
    /// Best `TPR - FPR` over every threshold, in [0, 1].
    public var advantage: Double
    /// Mean cross-entropy of the training samples (the members).
    public var trainLoss: Double
    /// Mean cross-entropy of the validation samples (the non-members).
    public var validationLoss: Double
    /// Training accuracy (not in the JSON shape; shown in tables).
    public var trainAccuracy: Double = 0
    /// Validation accuracy (not in the JSON shape; shown in tables).
    public var validationAccuracy: Double = 0

    private enum CodingKeys: String, CodingKey {
        case auc, advantage
        case trainLoss = "train_loss"
        case validationLoss = "validation_loss"
    }

    public init(
        auc: Double, advantage: Double, trainLoss: Double, validationLoss: Double,
        trainAccuracy: Double = 0, validationAccuracy: Double = 0
    ) {
        self.auc = auc
        self.advantage = advantage
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.trainAccuracy = trainAccuracy
        self.validationAccuracy = validationAccuracy
    }

    /// The attack on per-sample losses of members (training samples) and
    /// non-members (validation samples); nil when either set is empty.
    public init?(memberLosses: [Double], nonMemberLosses: [Double]) {
        guard !memberLosses.isEmpty, !nonMemberLosses.isEmpty else { return nil }
        let curve = Self.curve(members: memberLosses, nonMembers: nonMemberLosses)
        self.init(
            auc: curve.auc, advantage: curve.advantage,
            trainLoss: Self.mean(memberLosses), validationLoss: Self.mean(nonMemberLosses))
    }

    /// The attack on `model`: per-sample losses on `train` (members) and
    /// `validation` (non-members), with both accuracies; nil when either
    /// set is empty.
    public static func measure(_ model: Model, train: Dataset, validation: Dataset) -> MembershipInference? {
        let members = SoftmaxCrossEntropy.perSample(model, on: train)
        let nonMembers = SoftmaxCrossEntropy.perSample(model, on: validation)
        guard var result = MembershipInference(memberLosses: members.losses, nonMemberLosses: nonMembers.losses) else {
            return nil
        }
        result.trainAccuracy = Double(members.correct) / Double(train.count)
        result.validationAccuracy = Double(nonMembers.correct) / Double(validation.count)
        return result
    }

    /// ROC AUC and best advantage of "member when loss <= t". Losses are
    /// sorted once (O((m + n) log(m + n))); equal losses form one group, so a
    /// threshold never splits a tie and a tied member/non-member pair counts half.
    static func curve(members: [Double], nonMembers: [Double]) -> (auc: Double, advantage: Double) {
        let all = (members.map { ($0, true) } + nonMembers.map { ($0, false) }).sorted { $0.0 < $1.0 }
        let m = Double(members.count), n = Double(nonMembers.count)
        var membersBelow = 0.0, nonMembersBelow = 0.0
        var pairs = 0.0, advantage = 0.0
        var i = 0
        while i < all.count {
            var groupMembers = 0.0, groupNonMembers = 0.0
            var j = i
            while j < all.count && all[j].0 == all[i].0 {
                if all[j].1 { groupMembers += 1 } else { groupNonMembers += 1 }
                j += 1
            }
            // Each member here beats every non-member above the group and ties the group's own.
            pairs += groupMembers * ((n - nonMembersBelow - groupNonMembers) + 0.5 * groupNonMembers)
            membersBelow += groupMembers
            nonMembersBelow += groupNonMembers
            advantage = max(advantage, membersBelow / m - nonMembersBelow / n)
            i = j
        }
        return (pairs / (m * n), advantage)
    }

    private static func mean(_ values: [Double]) -> Double {
        values.reduce(0.0, +) / Double(max(values.count, 1))
    }
}
