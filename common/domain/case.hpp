#pragma once
#include "domain/application.hpp"
#include "domain/providers.hpp"

namespace verdict {

/// One evaluation input: an application and what the providers said about it. The unit of
/// history, simulation and replay.
struct Case {
  Application application;
  ProviderResults providers;
};

}  // namespace verdict
