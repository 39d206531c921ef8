// The engine end to end on a small classifier: Input(20) -> Dense(16, relu)
// -> Dropout -> Dense(3, softmax), sparse categorical crossentropy, sparse
// categorical accuracy, Adam with slots owned by the test (as the Python side
// owns them).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lamina/errors.h"
#include "lamina/kernels.h"
#include "lamina/ops.h"
#include "lamina/plan.h"
#include "lamina/runtime.h"

namespace {

constexpr int64_t kFeatures = 20;
constexpr int64_t kHidden = 16;
constexpr int64_t kClasses = 3;

class ThreadCountScope {
 public:
  ThreadCountScope() : saved_(lamina::num_threads()) {}
  ~ThreadCountScope() { lamina::set_num_threads(saved_); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int saved_;
};

class IsaScope {
 public:
  IsaScope() : saved_(lamina::active_kernels().isa) {}
  ~IsaScope() { lamina::set_active_isa(saved_); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;

 private:
  lamina::Isa saved_;
};

// A compiled model and every array it views: weights, Adam slots, the
// hyper-parameters and the iteration counter. Not movable: the plan holds
// pointers into it.
struct Model {
  std::unique_ptr<lamina::Plan> plan;
  std::vector<std::vector<float>> weights, m, v;
  float hyper[4] = {0.01f, 0.9f, 0.999f, 1e-7f};  // lr, beta_1, beta_2, epsilon
  int64_t iterations = 0;

  Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  std::vector<float> flat_weights() const {
    std::vector<float> all;
    for (const auto& w : weights) all.insert(all.end(), w.begin(), w.end());
    return all;
  }
};

std::unique_ptr<Model> make_model(uint32_t seed, float learning_rate, float dropout_rate) {
  auto model = std::make_unique<Model>();
  model->hyper[0] = learning_rate;
  model->plan = std::make_unique<lamina::Plan>(lamina::Shape{kFeatures});
  lamina::Plan& plan = *model->plan;
  plan.add_op(lamina::make_dense_op("dense", kFeatures, kHidden, lamina::Activation::kRelu, true));
  plan.add_op(lamina::make_dropout_op("dropout", dropout_rate, 1337));
  plan.add_op(
      lamina::make_dense_op("dense_1", kHidden, kClasses, lamina::Activation::kSoftmax, true));
  plan.set_loss("sparse_categorical_crossentropy", {});
  plan.add_metric("sparse_categorical_accuracy", {});

  // Glorot-uniform kernels, zero biases.
  std::mt19937 rng(seed);
  std::vector<lamina::Param*> params = plan.params();
  std::vector<std::vector<float*>> slots;
  for (lamina::Param* p : params) {
    std::vector<float> w(static_cast<size_t>(p->size), 0.0f);
    if (p->shape.size() == 2) {
      const double limit = std::sqrt(6.0 / static_cast<double>(p->shape[0] + p->shape[1]));
      std::uniform_real_distribution<float> dist(static_cast<float>(-limit),
                                                 static_cast<float>(limit));
      for (float& x : w) x = dist(rng);
    }
    model->weights.push_back(std::move(w));
    model->m.emplace_back(static_cast<size_t>(p->size), 0.0f);
    model->v.emplace_back(static_cast<size_t>(p->size), 0.0f);
  }
  for (size_t i = 0; i < params.size(); ++i) {
    params[i]->value = model->weights[i].data();
    slots.push_back({model->m[i].data(), model->v[i].data()});
  }
  plan.set_optimizer("adam", {}, model->hyper, 4, &model->iterations, std::move(slots));
  return model;
}

// x ~ N(0, 1); the class is the argmax of a fixed random linear map, so a
// Dense network can learn it.
struct Dataset {
  std::vector<float> x, y;
  int64_t rows = 0;
};

Dataset make_dataset(int64_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> teacher(static_cast<size_t>(kFeatures * kClasses));
  for (float& t : teacher) t = normal(rng);
  Dataset d;
  d.rows = rows;
  d.x.resize(static_cast<size_t>(rows * kFeatures));
  for (float& v : d.x) v = normal(rng);
  d.y.resize(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    int best = 0;
    double best_score = -1e300;
    for (int c = 0; c < kClasses; ++c) {
      double score = 0.0;
      for (int64_t f = 0; f < kFeatures; ++f) {
        score += d.x[static_cast<size_t>(r * kFeatures + f)] * teacher[f * kClasses + c];
      }
      if (score > best_score) {
        best_score = score;
        best = c;
      }
    }
    d.y[static_cast<size_t>(r)] = static_cast<float>(best);
  }
  return d;
}

// Rows [start, start + rows) of the dataset, read in place.
lamina::BatchView slice(const Dataset& d, int64_t start, int64_t rows) {
  lamina::BatchView b;
  b.x = d.x.data() + start * kFeatures;
  b.y = d.y.data() + start;
  b.rows = rows;
  return b;
}

// Rows picked by index from the whole dataset.
lamina::BatchView gather(const Dataset& d, const std::vector<int64_t>& index) {
  lamina::BatchView b;
  b.x = d.x.data();
  b.y = d.y.data();
  b.index = index.data();
  b.rows = static_cast<int64_t>(index.size());
  b.index_bound = d.rows;
  return b;
}

// Mean loss and accuracy of one test pass over the whole dataset.
std::pair<double, double> evaluate(Model& model, const Dataset& d) {
  model.plan->reset_metrics();
  model.plan->test_step(slice(d, 0, d.rows));
  const std::vector<double> acc = model.plan->accumulators();
  model.plan->reset_metrics();
  return {acc[0] / acc[1], acc[2] / acc[3]};
}

// (a) After a warm-up step at the largest batch, no step allocates.
TEST(Plan, StepsAllocateNothingAfterWarmup) {
  auto model = make_model(1, 0.01f, 0.25f);
  const Dataset d = make_dataset(256, 2);
  std::vector<float> out(static_cast<size_t>(64 * kClasses));
  model->plan->train_step(slice(d, 0, 64));
  const int64_t before = lamina::allocation_count();
  for (int64_t rows : {64, 63, 32, 17, 7, 2, 1}) {
    model->plan->train_step(slice(d, 64, rows));
    model->plan->test_step(slice(d, 128, rows));
    model->plan->predict(slice(d, 192, rows), out.data());
    std::vector<int64_t> index;
    for (int64_t i = 0; i < rows; ++i) index.push_back((i * 37 + 11) % d.rows);
    model->plan->train_step(gather(d, index));
    model->plan->test_step(gather(d, index));
    model->plan->predict(gather(d, index), out.data());
    EXPECT_EQ(lamina::allocation_count(), before) << "after steps of " << rows << " rows";
  }
}

// (b) Five training steps give bit-identical weights with 1 and 2 threads, on
// every kernel table this CPU runs.
TEST(Plan, ResultsDoNotDependOnThreadCount) {
  ThreadCountScope restore_threads;
  IsaScope restore_isa;
  const Dataset d = make_dataset(5 * 300, 3);
  for (lamina::Isa isa : {lamina::Isa::kScalar, lamina::Isa::kAvx2, lamina::Isa::kAvx512}) {
    try {
      lamina::set_active_isa(isa);
    } catch (const lamina::ValueError&) {
      continue;  // this CPU cannot run it
    }
    std::vector<std::vector<float>> weights, predictions;
    for (int threads : {1, 2}) {
      lamina::set_num_threads(threads);
      auto model = make_model(4, 0.01f, 0.3f);
      for (int step = 0; step < 5; ++step) model->plan->train_step(slice(d, step * 300, 300));
      weights.push_back(model->flat_weights());
      std::vector<float> out(static_cast<size_t>(300 * kClasses));
      model->plan->predict(slice(d, 0, 300), out.data());
      predictions.push_back(out);
      EXPECT_EQ(model->iterations, 5);
    }
    ASSERT_EQ(weights[0].size(), weights[1].size());
    EXPECT_EQ(0,
              std::memcmp(weights[0].data(), weights[1].data(), weights[0].size() * sizeof(float)))
        << lamina::isa_name(isa);
    EXPECT_EQ(0, std::memcmp(predictions[0].data(), predictions[1].data(),
                             predictions[0].size() * sizeof(float)))
        << lamina::isa_name(isa);
  }
}

// (c) The loss falls on a learnable problem.
TEST(Plan, LossDecreasesOnLearnableProblem) {
  auto model = make_model(5, 0.01f, 0.1f);
  const Dataset train = make_dataset(50 * 32, 6);
  const auto [loss_before, acc_before] = evaluate(*model, train);
  std::vector<double> step_losses;
  for (int step = 0; step < 50; ++step) {
    model->plan->reset_metrics();
    model->plan->train_step(slice(train, step * 32, 32));
    const std::vector<double> acc = model->plan->accumulators();
    ASSERT_EQ(acc.size(), 4u);
    EXPECT_EQ(acc[1], 32.0);
    EXPECT_EQ(acc[3], 32.0);
    step_losses.push_back(acc[0] / acc[1]);
  }
  const auto [loss_after, acc_after] = evaluate(*model, train);
  double first = 0.0, last = 0.0;
  for (int i = 0; i < 5; ++i) {
    first += step_losses[static_cast<size_t>(i)];
    last += step_losses[step_losses.size() - 1 - static_cast<size_t>(i)];
  }
  EXPECT_LT(last, 0.8 * first);
  EXPECT_LT(loss_after, 0.7 * loss_before);
  EXPECT_GT(acc_after, 0.75) << "accuracy before training " << acc_before;
  EXPECT_EQ(model->iterations, 50);
  EXPECT_EQ(model->plan->steps_run(), 50u);
}

// Predictions are probabilities, and reading rows through an index gives the
// same bits as reading the same rows contiguously.
TEST(Plan, PredictAndIndexedBatches) {
  auto model = make_model(7, 0.01f, 0.5f);
  const Dataset d = make_dataset(40, 8);
  std::vector<float> direct(static_cast<size_t>(10 * kClasses)), indexed(direct.size());
  model->plan->predict(slice(d, 30, 10), direct.data());
  std::vector<int64_t> index;
  for (int64_t i = 30; i < 40; ++i) index.push_back(i);
  model->plan->predict(gather(d, index), indexed.data());
  EXPECT_EQ(0, std::memcmp(direct.data(), indexed.data(), direct.size() * sizeof(float)));
  for (int64_t r = 0; r < 10; ++r) {
    double sum = 0.0;
    for (int64_t c = 0; c < kClasses; ++c) sum += direct[static_cast<size_t>(r * kClasses + c)];
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
  // Dropout is off outside training: predict is deterministic.
  std::vector<float> again(direct.size());
  model->plan->predict(slice(d, 30, 10), again.data());
  EXPECT_EQ(0, std::memcmp(direct.data(), again.data(), direct.size() * sizeof(float)));

  // Training through an index matches training on the gathered copy.
  auto twin = make_model(7, 0.01f, 0.5f);
  std::vector<float> xs, ys;
  const std::vector<int64_t> pick = {3, 17, 5, 39, 0, 22, 22, 8};
  for (int64_t i : pick) {
    xs.insert(xs.end(), d.x.begin() + i * kFeatures, d.x.begin() + (i + 1) * kFeatures);
    ys.push_back(d.y[static_cast<size_t>(i)]);
  }
  lamina::BatchView copied;
  copied.x = xs.data();
  copied.y = ys.data();
  copied.rows = static_cast<int64_t>(pick.size());
  for (int step = 0; step < 3; ++step) {
    model->plan->train_step(gather(d, pick));
    twin->plan->train_step(copied);
  }
  const std::vector<float> a = model->flat_weights(), b = twin->flat_weights();
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
}

// (d) A Dense layer expecting 20 features fed 19 is refused when it is added.
TEST(Plan, WrongInputShapeThrowsFromAddOp) {
  lamina::Plan plan(lamina::Shape{19});
  try {
    plan.add_op(lamina::make_dense_op("dense", 20, 16, lamina::Activation::kRelu, true));
    FAIL() << "expected ValueError";
  } catch (const lamina::ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("dense"), std::string::npos) << msg;
    EXPECT_NE(msg.find("20"), std::string::npos) << msg;
    EXPECT_NE(msg.find("19"), std::string::npos) << msg;
  }
  // The same through a chain: Dense(20->16) then a Dense that expects 15.
  lamina::Plan chain(lamina::Shape{20});
  chain.add_op(lamina::make_dense_op("dense", 20, 16, lamina::Activation::kRelu, true));
  EXPECT_THROW(
      chain.add_op(lamina::make_dense_op("dense_1", 15, 3, lamina::Activation::kSoftmax, true)),
      lamina::ValueError);
  EXPECT_THROW(lamina::Plan(lamina::Shape{0}), lamina::ValueError);
}

// (d) Bad labels throw from train_step and test_step, and leave the weights,
// the optimizer state and the iteration count untouched.
TEST(Plan, BadLabelsThrowAndChangeNothing) {
  auto model = make_model(9, 0.01f, 0.25f);
  const Dataset d = make_dataset(8, 10);
  model->plan->train_step(slice(d, 0, 8));
  const std::vector<float> weights = model->flat_weights();
  const int64_t iterations = model->iterations;
  for (float bad : {3.0f, -1.0f, 0.5f, std::numeric_limits<float>::quiet_NaN()}) {
    std::vector<float> y = d.y;
    y[5] = bad;
    lamina::BatchView b = slice(d, 0, 8);
    b.y = y.data();
    try {
      model->plan->train_step(b);
      ADD_FAILURE() << "no error for label " << bad;
    } catch (const lamina::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("position 5"), std::string::npos) << e.what();
    }
    EXPECT_THROW(model->plan->test_step(b), lamina::ValueError) << bad;
  }
  EXPECT_EQ(model->iterations, iterations);
  const std::vector<float> after = model->flat_weights();
  EXPECT_EQ(0, std::memcmp(weights.data(), after.data(), weights.size() * sizeof(float)));
  // The plan is still usable.
  EXPECT_NO_THROW(model->plan->train_step(slice(d, 0, 8)));
  EXPECT_EQ(model->iterations, iterations + 1);
}

// (e) A batch index outside the data throws before anything is read.
TEST(Plan, BatchIndexOutOfRangeThrows) {
  auto model = make_model(11, 0.01f, 0.25f);
  const Dataset d = make_dataset(16, 12);
  std::vector<float> out(static_cast<size_t>(4 * kClasses));
  for (int64_t bad : {int64_t{16}, int64_t{-1}, int64_t{1} << 40}) {
    const std::vector<int64_t> index = {0, 3, bad, 5};
    const lamina::BatchView b = gather(d, index);
    try {
      model->plan->train_step(b);
      ADD_FAILURE() << "no error for index " << bad;
    } catch (const lamina::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
    }
    EXPECT_THROW(model->plan->test_step(b), lamina::ValueError);
    EXPECT_THROW(model->plan->predict(b, out.data()), lamina::ValueError);
  }
  EXPECT_EQ(model->iterations, 0);
}

TEST(Plan, TrainingNeedsLossAndOptimizer) {
  lamina::Plan plan(lamina::Shape{kFeatures});
  plan.add_op(
      lamina::make_dense_op("dense", kFeatures, kClasses, lamina::Activation::kSoftmax, true));
  std::vector<float> w(static_cast<size_t>(kFeatures * kClasses), 0.1f), bias(kClasses, 0.0f);
  plan.params()[0]->value = w.data();
  plan.params()[1]->value = bias.data();
  const Dataset d = make_dataset(4, 13);
  EXPECT_THROW(plan.train_step(slice(d, 0, 4)), lamina::ValueError);
  EXPECT_THROW(plan.test_step(slice(d, 0, 4)), lamina::ValueError);
  plan.set_loss("sparse_categorical_crossentropy", {});
  EXPECT_THROW(plan.train_step(slice(d, 0, 4)), lamina::ValueError);
  EXPECT_NO_THROW(plan.test_step(slice(d, 0, 4)));
  // Adam needs two slots per weight.
  float hyper[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  int64_t iterations = 0;
  std::vector<float> m(w.size());
  EXPECT_THROW(plan.set_optimizer("adam", {}, hyper, 4, &iterations, {{m.data()}, {m.data()}}),
               lamina::ValueError);
  EXPECT_THROW(plan.set_optimizer("adam", {}, hyper, 4, &iterations, {}), lamina::ValueError);
  EXPECT_THROW(plan.set_optimizer("adam", {}, hyper, 3, &iterations, {}), lamina::ValueError);
  EXPECT_THROW(plan.set_optimizer("nope", {}, hyper, 4, &iterations, {}), lamina::ValueError);
}

}  // namespace
