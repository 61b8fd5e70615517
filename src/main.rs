//! helmrelease-operator: the binary (CLI glue only).

fn main() {
    println!("helmrelease-operator: work in progress");
}
