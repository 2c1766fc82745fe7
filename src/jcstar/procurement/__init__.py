"""The buyer's side: procurement policies as data and checks of model lists against them."""
