#pragma once
// A stored decision as a person reads it: what was decided, why (every rule that fired with the
// values it saw and the customer message), and what each provider answered. Shown by the decision
// lookup and beside an item of the review queue, so both explain a decision the same way.
#include <QString>

#include "store/decision_store.hpp"

namespace verdict::studio {

QString explainRecord(const store::DecisionRecord& record);

}  // namespace verdict::studio
