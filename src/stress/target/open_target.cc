#include "daxbreak/stress/model_target.h"
#include "daxbreak/stress/target.h"
#include "stress/target/kernel_target.h"

namespace daxbreak {

Status OpenTarget(const StressConfig& config, const TargetNeeds& needs, std::unique_ptr<Target>* out) {
  if (config.target == TargetKind::kKernel) return KernelTarget::Open(config, needs, out);
  std::unique_ptr<ModelTarget> model;
  Status s = ModelTarget::Open(config, needs, &model);
  if (s.ok()) *out = std::move(model);
  return s;
}

}  // namespace daxbreak
