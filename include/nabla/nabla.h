// The one include of nabla.
#pragma once

#include "nabla/autograd/grad_mode.h"
#include "nabla/autograd/node.h"
#include "nabla/core/device.h"
#include "nabla/core/dtype.h"
#include "nabla/core/error.h"
#include "nabla/core/generator.h"
#include "nabla/core/shape.h"
#include "nabla/core/state_dict.h"
#include "nabla/core/tensor.h"
#include "nabla/data/synthetic.h"
#include "nabla/ops/activation.h"
#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "nabla/ops/index.h"
#include "nabla/ops/linalg.h"
#include "nabla/ops/loss.h"
#include "nabla/ops/reduce.h"

// ---- io
#include "nabla/io/safetensors.h"
// ---- optim: optimizers, learning-rate schedulers, gradient clipping
#include "nabla/optim/adadelta.h"
#include "nabla/optim/adagrad.h"
#include "nabla/optim/adam.h"
#include "nabla/optim/clip.h"
#include "nabla/optim/lr_scheduler.h"
#include "nabla/optim/optimizer.h"
#include "nabla/optim/rmsprop.h"
#include "nabla/optim/sgd.h"

// ---- nn: modules, layers, initialisation, functional
#include "nabla/nn/activation.h"
#include "nabla/nn/dropout.h"
#include "nabla/nn/embedding.h"
#include "nabla/nn/functional.h"
#include "nabla/nn/init.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/module.h"
#include "nabla/nn/sequential.h"

// ---- vision: padding, resampling, pixel shuffle, channel dropout
#include "nabla/nn/vision.h"
#include "nabla/ops/vision.h"

// ---- normalisation: ops and layers
#include "nabla/nn/norm.h"
#include "nabla/ops/norm.h"

// ---- pooling (appended by the pool branch)
#include "nabla/nn/pool.h"
#include "nabla/ops/pool.h"

// ---- convolution (appended by the conv branch)
#include "nabla/nn/conv.h"
#include "nabla/ops/conv.h"
