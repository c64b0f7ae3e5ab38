public class BankAccount {
    private long balance;

    public BankAccount(long opening) {
        if (opening < 0) throw new IllegalArgumentException("negative opening balance");
        balance = opening;
    }

    public void deposit(long amount) {
        if (amount <= 0) throw new IllegalArgumentException("deposit must be positive");
        balance += amount;
    }

    public void withdraw(long amount) {
        if (amount <= 0) throw new IllegalArgumentException("withdrawal must be positive");
        if (amount > balance) throw new IllegalStateException("insufficient funds");
        balance -= amount;
    }

    public long balance() {
        return balance;
    }
}
