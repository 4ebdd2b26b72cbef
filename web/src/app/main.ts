console.log('CallVault');
